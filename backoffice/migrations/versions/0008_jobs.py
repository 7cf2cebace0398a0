"""The job queue; mail delivery becomes a job kind.

The outbox keeps what a message is and whether it was sent; its attempts, backoff, claim and last error move to
a `mail.send` job, as for every other kind of job. Messages waiting or failed at upgrade get their job.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_token', sa.String(length=32), nullable=True),
    sa.Column('leased_until', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_jobs_state')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_jobs_attempts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['state', 'run_after'], unique=False)
        batch_op.create_index('ix_jobs_kind_state_id', ['kind', 'state', 'id'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_job_id'), ['job_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_job_id_jobs'), 'jobs', ['job_id'], ['id'],
                                    ondelete='SET NULL')

    # every message not yet sent gets its delivery job, carrying its attempts, backoff and last error
    connection = op.get_bind()
    pending = connection.execute(sa.text(
        "SELECT id, status, attempts, next_attempt_at, last_error, created_at FROM outbox_messages "
        "WHERE status <> 'sent' ORDER BY id")).mappings().all()
    # the times go back as they came out (typeless columns): text on SQLite, timestamptz on PostgreSQL
    jobs = sa.table('jobs', sa.column('id', sa.Integer), sa.column('kind', sa.String), sa.column('payload', sa.JSON),
                    sa.column('state', sa.String), sa.column('attempts', sa.Integer), sa.column('run_after'),
                    sa.column('last_error', sa.Text), sa.column('created_at'))
    for row in pending:
        failed = row['status'] == 'failed'
        job_id = connection.execute(jobs.insert().values(
            kind='mail.send', payload={}, state='failed' if failed else 'queued',
            attempts=row['attempts'], run_after=row['next_attempt_at'], last_error=row['last_error'],
            created_at=row['created_at']).returning(jobs.c.id)).scalar_one()
        connection.execute(sa.text("UPDATE outbox_messages SET job_id = :job, status = :status WHERE id = :id"),
                           {"job": job_id, "status": 'failed' if failed else 'queued', "id": row['id']})

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_due')
        batch_op.drop_constraint(op.f('ck_outbox_messages_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('queued', 'sent', 'failed')")
        batch_op.create_index('ix_outbox_messages_status_id', ['status', 'id'], unique=False)
        batch_op.drop_column('attempts')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('claim_token')
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('last_error')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', backoffice.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', backoffice.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
    op.execute("UPDATE outbox_messages SET attempts = COALESCE((SELECT attempts FROM jobs WHERE jobs.id = "
               "outbox_messages.job_id), 0), last_error = (SELECT last_error FROM jobs WHERE jobs.id = "
               "outbox_messages.job_id), next_attempt_at = COALESCE((SELECT run_after FROM jobs WHERE jobs.id = "
               "outbox_messages.job_id), created_at)")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', nullable=False)
        batch_op.alter_column('attempts', server_default=None)
        batch_op.drop_index('ix_outbox_messages_status_id')
        batch_op.drop_constraint(op.f('ck_outbox_messages_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('queued', 'sending', 'sent', 'failed')")
        batch_op.create_index('ix_outbox_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_job_id_jobs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_job_id'))
        batch_op.drop_column('job_id')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_kind_state_id')
        batch_op.drop_index('ix_jobs_due')
    op.drop_table('jobs')
