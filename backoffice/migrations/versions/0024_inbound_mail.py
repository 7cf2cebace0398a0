"""Incoming mail: inbound_messages (every message once, with its outcome and sender verdicts), the attachments' 'mail' source, auto_reply_quotas
(the daily cap per sender), bouncing_addresses, and the outbox's "bounced" status.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

OUTCOMES = ("outcome IN ('received', 'joined', 'created', 'needs_review', 'auto_replied', 'ignored', 'bounce', "
            "'refused', 'discarded', 'attached')")
SOURCES = "source IN ('imap', 'smtp', 'lmtp')"
NEW_OUTBOX = "status IN ('queued', 'sent', 'failed', 'bounced')"
OLD_OUTBOX = "status IN ('queued', 'sent', 'failed')"
NEW_SOURCES = "source IN ('web', 'ftp', 'sysinfo', 'mail')"
OLD_SOURCES = "source IN ('web', 'ftp', 'sysinfo')"


def upgrade():
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raw_sha256", sa.String(length=64), nullable=False),
        sa.Column("raw_size", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=True),
        sa.Column("from_addr", sa.String(length=254), nullable=False),
        sa.Column("to_addrs", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("received_at", backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("spf", sa.String(length=16), nullable=True),
        sa.Column("dkim", sa.String(length=16), nullable=True),
        sa.Column("dmarc", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("processed_at", backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("ticket_message_id", sa.Integer(), nullable=True),
        sa.Column("references", sa.JSON(), nullable=True),
        sa.CheckConstraint(OUTCOMES, name=op.f("ck_inbound_messages_outcome")),
        sa.CheckConstraint(SOURCES, name=op.f("ck_inbound_messages_source")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_messages_ticket_id_tickets"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_message_id"], ["ticket_messages.id"],
                                name=op.f("fk_inbound_messages_ticket_message_id_ticket_messages"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
    )
    op.create_index("ix_inbound_messages_raw_sha256", "inbound_messages", ["raw_sha256"], unique=True)
    op.create_index("ix_inbound_messages_message_id_from", "inbound_messages", ["message_id", "from_addr"],
                    unique=True)
    op.create_index("ix_inbound_messages_outcome_id", "inbound_messages", ["outcome", "id"])
    op.create_index("ix_inbound_messages_ticket_id", "inbound_messages", ["ticket_id", "id"])
    op.create_index("ix_inbound_messages_ticket_message_id", "inbound_messages", ["ticket_message_id"])

    op.create_table(
        "auto_reply_quotas",
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.CheckConstraint("sent >= 0", name=op.f("ck_auto_reply_quotas_sent")),
        sa.PrimaryKeyConstraint("address", "day", name=op.f("pk_auto_reply_quotas")),
    )
    op.create_table(
        "bouncing_addresses",
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("first_bounced_at", backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_bounced_at", backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("last_status", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("address", name=op.f("pk_bouncing_addresses")),
    )
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_status"), type_="check")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.create_check_constraint("status", NEW_OUTBOX)
    with op.batch_alter_table("ticket_attachments") as batch:
        batch.drop_constraint(op.f("ck_ticket_attachments_source"), type_="check")
    with op.batch_alter_table("ticket_attachments") as batch:
        batch.create_check_constraint("source", NEW_SOURCES)


def downgrade():
    op.execute("UPDATE ticket_attachments SET source = 'web' WHERE source = 'mail'")
    with op.batch_alter_table("ticket_attachments") as batch:
        batch.drop_constraint(op.f("ck_ticket_attachments_source"), type_="check")
    with op.batch_alter_table("ticket_attachments") as batch:
        batch.create_check_constraint("source", OLD_SOURCES)
    op.execute("UPDATE outbox_messages SET status = 'sent' WHERE status = 'bounced'")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_status"), type_="check")
    with op.batch_alter_table("outbox_messages") as batch:
        batch.create_check_constraint("status", OLD_OUTBOX)
    op.drop_table("bouncing_addresses")
    op.drop_table("auto_reply_quotas")
    op.drop_index("ix_inbound_messages_ticket_message_id", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_ticket_id", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_outcome_id", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_message_id_from", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_raw_sha256", table_name="inbound_messages")
    op.drop_table("inbound_messages")
