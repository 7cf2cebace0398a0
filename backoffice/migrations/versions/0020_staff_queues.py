"""The queues each support engineer works (their profile's choice; their dashboard's unassigned counts).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_queues",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("request_type_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], name=op.f("fk_staff_queues_staff_id_staff_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["request_type_id"], ["support_request_types.id"],
                                name=op.f("fk_staff_queues_request_type_id_support_request_types"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", "request_type_id", name=op.f("pk_staff_queues")),
    )
    op.create_index("ix_staff_queues_request_type_id", "staff_queues", ["request_type_id"])


def downgrade():
    op.drop_index("ix_staff_queues_request_type_id", table_name="staff_queues")
    op.drop_table("staff_queues")
