"""The queues' sort orders and saved views: tickets.priority_rank (urgent first, a column the database computes
from priority, so an index can serve the order), one partial index per sort key and common view (a queue,
everyone's, an assignee's or nobody's; active tickets only; ending in id for the keyset's tie-break), and
saved_queue_views (an engineer's named filters and sort).

SQLite can add only a VIRTUAL generated column in place (a batch copy would drop the full-text triggers of 0005b);
PostgreSQL only has STORED ones. Both index it the same way.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

PRIORITY_RANK_SQL = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
ACTIVE = sa.text("status IN ('new', 'open', 'waiting')")
SORT_COLUMNS = {"activity": "last_activity_at", "first_due": "first_response_due_at",
                "resolution_due": "resolution_due_at", "rank": "priority_rank", "created": "created_at"}
VIEWS = (("type", ["request_type_id"]), ("all", []), ("assignee", ["assignee_id"]))


def sort_indexes():
    for short, column in SORT_COLUMNS.items():
        for prefix, leading in VIEWS:
            yield f"ix_tickets_{prefix}_{short}_active", [*leading, column, "id"]


def upgrade():
    stored = op.get_bind().dialect.name == "postgresql"
    op.add_column("tickets", sa.Column("priority_rank", sa.Integer(),
                                       sa.Computed(PRIORITY_RANK_SQL, persisted=stored), nullable=False))
    for name, columns in sort_indexes():
        op.create_index(name, "tickets", columns, postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.create_table(
        "saved_queue_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("created_at", backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"],
                                name=op.f("fk_saved_queue_views_staff_id_staff_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_queue_views")),
        sa.UniqueConstraint("staff_id", "name", name="uq_saved_queue_views_staff_name"),
    )


def downgrade():
    op.drop_table("saved_queue_views")
    for name, _ in sort_indexes():
        op.drop_index(name, table_name="tickets")
    op.drop_column("tickets", "priority_rank")
