"""A conversation on each Virus Lab request: replies of both sides and analysts' notes, and files the customer
adds later (samples analysed with the request).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('viruslab_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('author_kind', sa.String(length=8), nullable=False),
    sa.Column('author_customer_id', sa.Integer(), nullable=True),
    sa.Column('author_staff_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=254), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("author_kind IN ('customer', 'staff', 'system')", name=op.f('ck_viruslab_messages_author_kind')),
    sa.CheckConstraint("kind = 'reply' OR author_kind = 'staff'", name=op.f('ck_viruslab_messages_notes_are_staff')),
    sa.CheckConstraint("kind IN ('reply', 'note')", name=op.f('ck_viruslab_messages_kind')),
    sa.ForeignKeyConstraint(['author_customer_id'], ['customers.id'],
                            name=op.f('fk_viruslab_messages_author_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_staff_id'], ['staff_users.id'],
                            name=op.f('fk_viruslab_messages_author_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['viruslab_submissions.id'],
                            name=op.f('fk_viruslab_messages_submission_id_viruslab_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_viruslab_messages'))
    )
    with op.batch_alter_table('viruslab_messages', schema=None) as batch_op:
        batch_op.create_index('ix_viruslab_messages_submission', ['submission_id', 'id'], unique=False)

    op.create_table('viruslab_message_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['viruslab_messages.id'],
                            name=op.f('fk_viruslab_message_files_message_id_viruslab_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_viruslab_message_files_sample_id_samples'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_viruslab_message_files'))
    )
    with op.batch_alter_table('viruslab_message_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_viruslab_message_files_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_viruslab_message_files_sample_id'), ['sample_id'], unique=False)


def downgrade():
    with op.batch_alter_table('viruslab_message_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_viruslab_message_files_sample_id'))
        batch_op.drop_index(batch_op.f('ix_viruslab_message_files_message_id'))
    op.drop_table('viruslab_message_files')
    with op.batch_alter_table('viruslab_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_viruslab_messages_submission')
    op.drop_table('viruslab_messages')
