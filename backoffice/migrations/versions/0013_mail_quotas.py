"""Per-address caps on the account mails a stranger can trigger (reset, activation, claim, registration notices).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_quotas',
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('window_start', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.CheckConstraint('sent >= 0', name=op.f('ck_mail_quotas_sent')),
    sa.PrimaryKeyConstraint('address', 'window_start', name=op.f('pk_mail_quotas'))
    )


def downgrade():
    op.drop_table('mail_quotas')
