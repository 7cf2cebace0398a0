"""Outgoing mail that threads: outbox_messages.message_id (fixed at queue time, unique, so a reply's
In-Reply-To/References finds what we sent) and outbox_messages.ticket_id (the ticket the message is about).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_outbox_messages_ticket_id_tickets"), "tickets", ["ticket_id"], ["id"],
                                 ondelete="SET NULL")
    op.create_index("ix_outbox_messages_message_id", "outbox_messages", ["message_id"], unique=True)
    op.create_index("ix_outbox_messages_ticket_id", "outbox_messages", ["ticket_id"])


def downgrade():
    op.drop_index("ix_outbox_messages_ticket_id", table_name="outbox_messages")
    op.drop_index("ix_outbox_messages_message_id", table_name="outbox_messages")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(batch.f("fk_outbox_messages_ticket_id_tickets"), type_="foreignkey")
        batch.drop_column("ticket_id")
        batch.drop_column("message_id")
