"""support requests: request types, tickets, thread, attachments, history, ratings, wizard drafts

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25

The request types' rows and the ticket text search come next, in 0005b.
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('canned_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_responses')),
    sa.UniqueConstraint('title', name=op.f('uq_canned_responses_title'))
    )
    op.create_table('support_request_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('requires_product', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_request_types')),
    sa.UniqueConstraint('code', name=op.f('uq_support_request_types_code'))
    )
    op.create_table('ticket_number_counters',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_ticket_number_counters'))
    )
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('draft_key', sa.String(length=64), nullable=False),
    sa.Column('request_type_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('os_name', sa.String(length=80), nullable=True),
    sa.Column('product_version', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_due_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolution_due_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_response_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('waiting_since', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('resolved_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'waiting') = (waiting_since IS NOT NULL)", name=op.f('ck_tickets_waiting_has_since')),
    sa.CheckConstraint("merged_into_id IS NULL OR (status = 'closed' AND merged_into_id <> id)", name=op.f('ck_tickets_merged_is_closed')),
    sa.CheckConstraint("priority IN ('low', 'normal', 'high', 'urgent')", name=op.f('ck_tickets_priority')),
    sa.CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name=op.f('ck_tickets_closed_has_time')),
    sa.CheckConstraint("status <> 'resolved' OR resolved_at IS NOT NULL", name=op.f('ck_tickets_resolved_has_time')),
    sa.CheckConstraint("status IN ('new', 'open', 'waiting', 'resolved', 'closed')", name=op.f('ck_tickets_status')),
    sa.CheckConstraint('paused_seconds >= 0', name=op.f('ck_tickets_paused_not_negative')),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff_users.id'], name=op.f('fk_tickets_assignee_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['tickets.id'], name=op.f('fk_tickets_merged_into_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_tickets_product_id_products'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['request_type_id'], ['support_request_types.id'], name=op.f('fk_tickets_request_type_id_support_request_types'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('customer_id', 'draft_key', name='uq_tickets_customer_draft'),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_assignee_active', ['assignee_id', 'id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.create_index('ix_tickets_assignee_status', ['assignee_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_tickets_customer_activity', ['customer_id', 'last_activity_at'], unique=False)
        batch_op.create_index('ix_tickets_merged_into_id', ['merged_into_id'], unique=False)
        batch_op.create_index('ix_tickets_product_id', ['product_id', 'id'], unique=False)
        batch_op.create_index('ix_tickets_resolution_due_active', ['resolution_due_at'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.create_index('ix_tickets_resolved_at', ['resolved_at'], unique=False, postgresql_where=sa.text("status = 'resolved'"), sqlite_where=sa.text("status = 'resolved'"))
        batch_op.create_index('ix_tickets_status_id', ['status', 'id'], unique=False)
        batch_op.create_index('ix_tickets_type_active', ['request_type_id', 'id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.create_index('ix_tickets_type_priority_active', ['request_type_id', 'priority', 'id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.create_index('ix_tickets_type_status', ['request_type_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_tickets_active_id', ['id'], unique=False, postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.create_index('ix_tickets_unassigned_active', ['id'], unique=False, postgresql_where=sa.text("assignee_id IS NULL AND status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("assignee_id IS NULL AND status IN ('new', 'open', 'waiting')"))

    op.create_table('ticket_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_events_ticket_id', ['ticket_id', 'id'], unique=False)

    op.create_table('ticket_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('author_kind', sa.String(length=8), nullable=False),
    sa.Column('author_customer_id', sa.Integer(), nullable=True),
    sa.Column('author_staff_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=254), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("author_kind IN ('customer', 'staff', 'system')", name=op.f('ck_ticket_messages_author_kind')),
    sa.CheckConstraint("kind = 'reply' OR author_kind = 'staff'", name=op.f('ck_ticket_messages_notes_are_staff')),
    sa.CheckConstraint("kind IN ('reply', 'note')", name=op.f('ck_ticket_messages_kind')),
    sa.ForeignKeyConstraint(['author_customer_id'], ['customers.id'], name=op.f('fk_ticket_messages_author_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_staff_id'], ['staff_users.id'], name=op.f('fk_ticket_messages_author_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_messages'))
    )
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_messages_ticket_id', ['ticket_id', 'id'], unique=False)

    op.create_table('ticket_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.String(length=8), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('engineer_id', sa.Integer(), nullable=True),
    sa.Column('request_type_id', sa.Integer(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("score IN ('good', 'bad')", name=op.f('ck_ticket_ratings_score')),
    sa.ForeignKeyConstraint(['engineer_id'], ['staff_users.id'], name=op.f('fk_ticket_ratings_engineer_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_type_id'], ['support_request_types.id'], name=op.f('fk_ticket_ratings_request_type_id_support_request_types'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_ratings_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_ratings')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ticket_ratings_ticket_id'))
    )
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_ratings_engineer_id', ['engineer_id'], unique=False)
        batch_op.create_index('ix_ticket_ratings_request_type_id', ['request_type_id'], unique=False)

    op.create_table('wizard_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('draft_key', sa.String(length=64), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('step BETWEEN 1 AND 5', name=op.f('ck_wizard_drafts_step_range')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_wizard_drafts_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_wizard_drafts_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wizard_drafts')),
    sa.UniqueConstraint('customer_id', 'draft_key', name='uq_wizard_drafts_customer_key')
    )
    with op.batch_alter_table('wizard_drafts', schema=None) as batch_op:
        batch_op.create_index('ix_wizard_drafts_updated_at', ['updated_at'], unique=False)

    op.create_table('ticket_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('web', 'ftp', 'sysinfo')", name=op.f('ck_ticket_attachments_source')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_ticket_attachments_size_not_negative')),
    sa.CheckConstraint('ticket_id IS NOT NULL OR draft_id IS NOT NULL', name=op.f('ck_ticket_attachments_has_owner')),
    sa.ForeignKeyConstraint(['draft_id'], ['wizard_drafts.id'], name=op.f('fk_ticket_attachments_draft_id_wizard_drafts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['ticket_messages.id'], name=op.f('fk_ticket_attachments_message_id_ticket_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_attachments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_attachments'))
    )
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_attachments_draft_id', ['draft_id'], unique=False)
        batch_op.create_index('ix_ticket_attachments_message_id', ['message_id'], unique=False)
        batch_op.create_index('ix_ticket_attachments_ticket_id', ['ticket_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_attachments_ticket_id')
        batch_op.drop_index('ix_ticket_attachments_message_id')
        batch_op.drop_index('ix_ticket_attachments_draft_id')

    op.drop_table('ticket_attachments')
    with op.batch_alter_table('wizard_drafts', schema=None) as batch_op:
        batch_op.drop_index('ix_wizard_drafts_updated_at')

    op.drop_table('wizard_drafts')
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_ratings_request_type_id')
        batch_op.drop_index('ix_ticket_ratings_engineer_id')

    op.drop_table('ticket_ratings')
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_messages_ticket_id')

    op.drop_table('ticket_messages')
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_events_ticket_id')

    op.drop_table('ticket_events')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_active_id', postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.drop_index('ix_tickets_unassigned_active', postgresql_where=sa.text("assignee_id IS NULL AND status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("assignee_id IS NULL AND status IN ('new', 'open', 'waiting')"))
        batch_op.drop_index('ix_tickets_type_status')
        batch_op.drop_index('ix_tickets_type_priority_active', postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.drop_index('ix_tickets_type_active', postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.drop_index('ix_tickets_status_id')
        batch_op.drop_index('ix_tickets_resolved_at', postgresql_where=sa.text("status = 'resolved'"), sqlite_where=sa.text("status = 'resolved'"))
        batch_op.drop_index('ix_tickets_resolution_due_active', postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))
        batch_op.drop_index('ix_tickets_product_id')
        batch_op.drop_index('ix_tickets_merged_into_id')
        batch_op.drop_index('ix_tickets_customer_activity')
        batch_op.drop_index('ix_tickets_assignee_status')
        batch_op.drop_index('ix_tickets_assignee_active', postgresql_where=sa.text("status IN ('new', 'open', 'waiting')"), sqlite_where=sa.text("status IN ('new', 'open', 'waiting')"))

    op.drop_table('tickets')
    op.drop_table('ticket_number_counters')
    op.drop_table('support_request_types')
    op.drop_table('canned_responses')
