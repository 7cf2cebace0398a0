"""accounts portal: captcha challenges, courses and enrollments, legacy codes, terms consent

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:20:15.240839
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('captcha_challenges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_captcha_challenges'))
    )
    with op.batch_alter_table('captcha_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_captcha_challenges_expires_at'), ['expires_at'], unique=False)

    op.create_table('courses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_courses')),
    sa.UniqueConstraint('title', name=op.f('uq_courses_title'))
    )
    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('enrolled_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_enrollments_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_enrollments_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments')),
    sa.UniqueConstraint('customer_id', 'course_id', name='uq_enrollments_customer_course')
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index('ix_enrollments_course_id', ['course_id'], unique=False)

    op.create_table('legacy_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=23), nullable=False),
    sa.Column('imported_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_legacy_codes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legacy_codes')),
    sa.UniqueConstraint('customer_id', 'code', name='uq_legacy_codes_customer_code')
    )
    with op.batch_alter_table('legacy_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legacy_codes_code'), ['code'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms_accepted_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('terms_accepted_at')

    with op.batch_alter_table('legacy_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legacy_codes_code'))

    op.drop_table('legacy_codes')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollments_course_id')

    op.drop_table('enrollments')
    op.drop_table('courses')
    with op.batch_alter_table('captcha_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_captcha_challenges_expires_at'))

    op.drop_table('captcha_challenges')
