"""viruslab: samples, archive members, submissions, verdict history, YARA rules and matches

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-25 17:20:15.213870
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = '0004'
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('sha1', sa.String(length=40), nullable=False),
    sa.Column('sha512', sa.String(length=128), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('file_type', sa.String(length=255), nullable=True),
    sa.Column('mime_type', sa.String(length=127), nullable=True),
    sa.Column('archive_state', sa.String(length=16), nullable=False),
    sa.Column('archive_note', sa.String(length=255), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.Column('detection_name', sa.String(length=255), nullable=True),
    sa.Column('first_seen_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('scanned_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("archive_state IN ('not_archive', 'extracted', 'limit_exceeded', 'wrong_password', 'corrupt')", name=op.f('ck_samples_archive_state')),
    sa.CheckConstraint("verdict IN ('malicious', 'pua', 'clean', 'false_positive', 'not_a_sample')", name=op.f('ck_samples_verdict')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_samples_size')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_samples')),
    sa.UniqueConstraint('sha256', name=op.f('uq_samples_sha256'))
    )

    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_samples_md5'), ['md5'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_sha1'), ['sha1'], unique=False)
        batch_op.create_index(batch_op.f('ix_samples_sha512'), ['sha512'], unique=False)
        batch_op.create_index('ix_samples_verdict_id', ['verdict', 'id'], unique=False)

    op.create_table('archive_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('archive_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('member_name', sa.String(length=1024), nullable=False),
    sa.ForeignKeyConstraint(['archive_id'], ['samples.id'], name=op.f('fk_archive_members_archive_id_samples'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['samples.id'], name=op.f('fk_archive_members_member_id_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_members')),
    sa.UniqueConstraint('archive_id', 'member_id', 'member_name', name='uq_archive_members_link')
    )

    with op.batch_alter_table('archive_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_archive_members_member_id'), ['member_id'], unique=False)

    op.create_table('verdict_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('detection_name', sa.String(length=255), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_verdict_changes_sample_id_samples'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_users.id'], name=op.f('fk_verdict_changes_staff_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verdict_changes'))
    )

    with op.batch_alter_table('verdict_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verdict_changes_sample_id'), ['sample_id'], unique=False)

    op.create_table('viruslab_submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('request_type', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('detection_seen', sa.String(length=255), nullable=True),
    sa.Column('product', sa.String(length=160), nullable=False),
    sa.Column('last_update_date', sa.Date(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=True),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('public_reply', sa.Text(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("request_type IN ('unknown_malware', 'false_alarm', 'description')", name=op.f('ck_viruslab_submissions_request_type')),
    sa.CheckConstraint("state IN ('new', 'in_analysis', 'answered', 'closed')", name=op.f('ck_viruslab_submissions_state')),
    sa.ForeignKeyConstraint(['assignee_id'], ['staff_users.id'], name=op.f('fk_viruslab_submissions_assignee_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_viruslab_submissions_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_viruslab_submissions_sample_id_samples'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_viruslab_submissions')),
    sa.UniqueConstraint('number', name=op.f('uq_viruslab_submissions_number'))
    )

    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_viruslab_submissions_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_viruslab_submissions_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_viruslab_submissions_customer_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_viruslab_submissions_file_name'), ['file_name'], unique=False)
        batch_op.create_index('ix_viruslab_submissions_product_id', ['product', 'id'], unique=False)
        batch_op.create_index('ix_viruslab_submissions_queue', ['request_type', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_viruslab_submissions_sample_id'), ['sample_id'], unique=False)

    op.create_table('yara_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('namespace', sa.String(length=64), nullable=False),
    sa.Column('rule_name', sa.String(length=128), nullable=False),
    sa.Column('matched_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_yara_matches_sample_id_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_yara_matches')),
    sa.UniqueConstraint('sample_id', 'namespace', 'rule_name', name='uq_yara_matches_rule')
    )

    with op.batch_alter_table('yara_matches', schema=None) as batch_op:
        batch_op.create_index('ix_yara_matches_rule_sample', ['rule_name', 'sample_id'], unique=False)

    op.create_table('yara_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_users.id'], name=op.f('fk_yara_rules_created_by_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_yara_rules')),
    sa.UniqueConstraint('name', name=op.f('uq_yara_rules_name'))
    )


def downgrade():
    op.drop_table('yara_rules')

    with op.batch_alter_table('yara_matches', schema=None) as batch_op:
        batch_op.drop_index('ix_yara_matches_rule_sample')

    op.drop_table('yara_matches')

    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_viruslab_submissions_sample_id'))
        batch_op.drop_index('ix_viruslab_submissions_queue')
        batch_op.drop_index('ix_viruslab_submissions_product_id')
        batch_op.drop_index(batch_op.f('ix_viruslab_submissions_file_name'))
        batch_op.drop_index('ix_viruslab_submissions_customer_id')
        batch_op.drop_index(batch_op.f('ix_viruslab_submissions_created_at'))
        batch_op.drop_index(batch_op.f('ix_viruslab_submissions_assignee_id'))

    op.drop_table('viruslab_submissions')

    with op.batch_alter_table('verdict_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verdict_changes_sample_id'))

    op.drop_table('verdict_changes')

    with op.batch_alter_table('archive_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_archive_members_member_id'))

    op.drop_table('archive_members')

    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_index('ix_samples_verdict_id')
        batch_op.drop_index(batch_op.f('ix_samples_sha512'))
        batch_op.drop_index(batch_op.f('ix_samples_sha1'))
        batch_op.drop_index(batch_op.f('ix_samples_md5'))

    op.drop_table('samples')
