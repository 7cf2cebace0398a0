"""Internal notes about customers, and an index for a customer's tickets newest first (the customer page and the
queue filtered by customer read the newest 20 of 10,000 without sorting them all).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('author_staff_id', sa.Integer(), nullable=True),
    sa.Column('author_label', sa.String(length=254), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(body) > 0', name=op.f('ck_customer_notes_body_not_empty')),
    sa.ForeignKeyConstraint(['author_staff_id'], ['staff_users.id'],
                            name=op.f('fk_customer_notes_author_staff_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_customer_notes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_notes'))
    )
    with op.batch_alter_table('customer_notes', schema=None) as batch_op:
        batch_op.create_index('ix_customer_notes_customer_id', ['customer_id', 'id'], unique=False)
    # a plain CREATE INDEX: batch mode is not needed for it, and tickets carry FTS triggers on SQLite
    op.create_index('ix_tickets_customer_id', 'tickets', ['customer_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_tickets_customer_id', table_name='tickets')
    with op.batch_alter_table('customer_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_notes_customer_id')
    op.drop_table('customer_notes')
