"""licensing: products, activation codes, registrations, blacklist

Revision ID: 0003
Revises: 0001

The canonical-code CHECK uses ltrim(x, set), substr and replace, which SQLite and PostgreSQL share.
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('name', name=op.f('uq_products_name'))
    )
    op.create_table('activation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=23), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('valid_from', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('extra_transfers', sa.Integer(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("length(code) = 23 AND ltrim(code, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-') = '' AND substr(code, 6, 1) = '-' AND substr(code, 12, 1) = '-' AND substr(code, 18, 1) = '-' AND length(replace(code, '-', '')) = 20", name=op.f('ck_activation_codes_code_canonical')),
    sa.CheckConstraint('expires_at > valid_from', name=op.f('ck_activation_codes_expires_after_valid_from')),
    sa.CheckConstraint('extra_transfers >= 0', name=op.f('ck_activation_codes_extra_transfers_not_negative')),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_activation_codes_seats_positive')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= seats', name=op.f('ck_activation_codes_seats_taken_within_seats')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_activation_codes_product_id_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_activation_codes_code'))
    )
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.create_index('ix_activation_codes_expires_at', ['expires_at'], unique=False)
        batch_op.create_index('ix_activation_codes_product_id_id', ['product_id', 'id'], unique=False)

    op.create_table('blacklist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=254), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.Column('lifted_by_label', sa.String(length=254), nullable=True),
    sa.Column('lift_note', sa.Text(), nullable=True),
    sa.CheckConstraint("reason IN ('fraud', 'chargeback', 'refunded', 'leaked', 'resale_abuse', 'other')", name=op.f('ck_blacklist_entries_reason')),
    sa.CheckConstraint('lifted_at IS NULL OR lifted_at >= created_at', name=op.f('ck_blacklist_entries_lifted_after_created')),
    sa.ForeignKeyConstraint(['code_id'], ['activation_codes.id'], name=op.f('fk_blacklist_entries_code_id_activation_codes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_blacklist_entries_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['staff_users.id'], name=op.f('fk_blacklist_entries_lifted_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blacklist_entries'))
    )
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_blacklist_entries_code_created', ['code_id', 'created_at'], unique=False)
        batch_op.create_index('ix_blacklist_entries_created_at', ['created_at'], unique=False)
        batch_op.create_index('uq_blacklist_entries_in_force', ['code_id'], unique=True, postgresql_where=sa.text('lifted_at IS NULL'), sqlite_where=sa.text('lifted_at IS NULL'))

    op.create_table('code_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('added_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('is_transfer', sa.Boolean(), nullable=False),
    sa.CheckConstraint('removed_at IS NULL OR removed_at >= added_at', name=op.f('ck_code_registrations_removed_after_added')),
    sa.ForeignKeyConstraint(['code_id'], ['activation_codes.id'], name=op.f('fk_code_registrations_code_id_activation_codes'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_code_registrations_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_registrations'))
    )
    with op.batch_alter_table('code_registrations', schema=None) as batch_op:
        batch_op.create_index('ix_code_registrations_code_added', ['code_id', 'added_at'], unique=False)
        batch_op.create_index('ix_code_registrations_customer_added', ['customer_id', 'added_at'], unique=False)
        batch_op.create_index('uq_code_registrations_active', ['code_id', 'customer_id'], unique=True, postgresql_where=sa.text('removed_at IS NULL'), sqlite_where=sa.text('removed_at IS NULL'))



def downgrade():
    with op.batch_alter_table('code_registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_code_registrations_active', postgresql_where=sa.text('removed_at IS NULL'), sqlite_where=sa.text('removed_at IS NULL'))
        batch_op.drop_index('ix_code_registrations_customer_added')
        batch_op.drop_index('ix_code_registrations_code_added')

    op.drop_table('code_registrations')
    with op.batch_alter_table('blacklist_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_blacklist_entries_in_force', postgresql_where=sa.text('lifted_at IS NULL'), sqlite_where=sa.text('lifted_at IS NULL'))
        batch_op.drop_index('ix_blacklist_entries_created_at')
        batch_op.drop_index('ix_blacklist_entries_code_created')

    op.drop_table('blacklist_entries')
    with op.batch_alter_table('activation_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_activation_codes_product_id_id')
        batch_op.drop_index('ix_activation_codes_expires_at')

    op.drop_table('activation_codes')
    op.drop_table('products')
