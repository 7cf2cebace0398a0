"""The notification mails each staff member switched off (new ticket in my queues, the customer replied on my
ticket, a ticket assigned to me): a row per switched-off kind; none means every kind is on.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staff_notice_opt_outs",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("notice", sa.String(length=32), nullable=False),
        sa.CheckConstraint("notice IN ('new_ticket', 'customer_replied', 'assigned')",
                           name=op.f("ck_staff_notice_opt_outs_notice")),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"],
                                name=op.f("fk_staff_notice_opt_outs_staff_id_staff_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", "notice", name=op.f("pk_staff_notice_opt_outs")),
    )


def downgrade():
    op.drop_table("staff_notice_opt_outs")
