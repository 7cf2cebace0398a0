"""Outbox list indexes: the console filters the outbox by template (newest first) and looks it up by recipient.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_template_id", ["template", "id"], unique=False)
        batch_op.create_index("ix_outbox_messages_to_addr", ["to_addr"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_to_addr")
        batch_op.drop_index("ix_outbox_messages_template_id")
