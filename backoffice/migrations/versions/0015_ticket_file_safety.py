"""Ticket files handled like samples: every hash, the magic-byte type, the check job's YARA result and risk, and
the Virus Lab request a file was sent to. Files already stored are queued for their check.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

CHECK_STATES = "check_state IN ('pending', 'scanned', 'failed')"
RISKS = "risk IS NULL OR risk IN ('rule_match', 'executable', 'script', 'macros', 'archive', 'ordinary')"
# one check job per file stored before this revision (the payload is JSON text; PostgreSQL needs the cast)
QUEUE_CHECKS = """
INSERT INTO jobs (kind, payload, state, attempts, run_after, created_at)
SELECT 'support.check_file', {payload}, 'queued', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM ticket_attachments ORDER BY id
"""
PAYLOAD = "'{\"attachment_id\": ' || id || '}'"


def upgrade():
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('md5', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('sha1', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('sha512', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('file_type', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('mime_type', sa.String(length=127), nullable=True))
        batch_op.add_column(sa.Column('check_state', sa.String(length=8), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('check_note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('risk', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('rules_matched', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('rules_version', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('scanned_at', backoffice.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('lab_submission_id', sa.Integer(), nullable=True))
        batch_op.create_check_constraint('check_state', CHECK_STATES)
        batch_op.create_check_constraint('risk', RISKS)
        batch_op.create_unique_constraint(batch_op.f('uq_ticket_attachments_lab_submission_id'),
                                          ['lab_submission_id'])
        batch_op.create_foreign_key(batch_op.f('fk_ticket_attachments_lab_submission_id_viruslab_submissions'),
                                    'viruslab_submissions', ['lab_submission_id'], ['id'], ondelete='SET NULL')
    payload = f"CAST({PAYLOAD} AS JSON)" if op.get_bind().dialect.name == "postgresql" else PAYLOAD
    op.execute(QUEUE_CHECKS.format(payload=payload))


def downgrade():
    op.execute("DELETE FROM jobs WHERE kind = 'support.check_file'")
    with op.batch_alter_table('ticket_attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_ticket_attachments_lab_submission_id_viruslab_submissions'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_ticket_attachments_lab_submission_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('ck_ticket_attachments_risk'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_ticket_attachments_check_state'), type_='check')
        for column in ('lab_submission_id', 'scanned_at', 'rules_version', 'rules_matched', 'risk', 'check_note',
                       'check_state', 'mime_type', 'file_type', 'sha512', 'sha1', 'md5'):
            batch_op.drop_column(column)
