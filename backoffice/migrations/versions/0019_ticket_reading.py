"""Who read what: when each staff member last opened a ticket, when its customer last wrote, and since when a
customer message waits for a public answer (the queue's unread mark and "waiting since", the dashboard's
"customer replied").

The two ticket columns are nullable and added in place (a SQLite batch copy would drop the full-text triggers of
0005b); existing tickets are filled from their threads: customer_wrote_at is the latest customer message (or the
request itself), unanswered_since is set on active tickets whose latest customer message is newer than the latest
public staff reply, to that message's time.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

LAST_CUSTOMER = ("(SELECT max(m.created_at) FROM ticket_messages m "
                 "WHERE m.ticket_id = tickets.id AND m.author_kind = 'customer')")
LAST_STAFF_REPLY = ("(SELECT max(m.created_at) FROM ticket_messages m "
                    "WHERE m.ticket_id = tickets.id AND m.author_kind = 'staff' AND m.kind = 'reply')")


def upgrade():
    op.add_column("tickets", sa.Column("customer_wrote_at", backoffice.models.types.UTCDateTime(timezone=True),
                                       nullable=True))
    op.add_column("tickets", sa.Column("unanswered_since", backoffice.models.types.UTCDateTime(timezone=True),
                                       nullable=True))
    op.execute(f"UPDATE tickets SET customer_wrote_at = COALESCE({LAST_CUSTOMER}, created_at)")
    op.execute(f"UPDATE tickets SET unanswered_since = customer_wrote_at "
               f"WHERE status IN ('new', 'open', 'waiting') "
               f"AND ({LAST_STAFF_REPLY} IS NULL OR {LAST_STAFF_REPLY} < customer_wrote_at)")
    op.create_table(
        "ticket_reads",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("read_at", backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_users.id"], name=op.f("fk_ticket_reads_staff_id_staff_users"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_reads_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("staff_id", "ticket_id", name=op.f("pk_ticket_reads")),
    )


def downgrade():
    op.drop_table("ticket_reads")
    op.drop_column("tickets", "unanswered_since")
    op.drop_column("tickets", "customer_wrote_at")
