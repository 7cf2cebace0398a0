"""Virus Lab analysis as a job: readable request states, each submission's own file tree, YARA scan records.

- Requests read received -> analysing -> waiting (for an analyst) -> answered -> closed, or analysis failed.
  Every request filed before this was analysed in its web request, so it is waiting for an analyst now.
- `viruslab_submission_files`: the files of one submission (what was sent, what was unpacked), with how each
  archive was unpacked for that submission. Existing requests get their top-level file.
- `yara_scans`: one row per scan (rules version, ok / timed out / error, what was slow).
- The archive state "corrupt" is called "damaged".

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NEW_STATES = "state IN ('received', 'analysing', 'analysis_failed', 'waiting', 'answered', 'closed')"
OLD_STATES = "state IN ('new', 'in_analysis', 'answered', 'closed')"
NEW_ARCHIVE = "archive_state IN ('not_archive', 'extracted', 'limit_exceeded', 'wrong_password', 'damaged')"
OLD_ARCHIVE = "archive_state IN ('not_archive', 'extracted', 'limit_exceeded', 'wrong_password', 'corrupt')"


def upgrade():
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_samples_archive_state'), type_='check')
    op.execute("UPDATE samples SET archive_state = 'damaged' WHERE archive_state = 'corrupt'")
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_check_constraint('archive_state', NEW_ARCHIVE)

    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_viruslab_submissions_state'), type_='check')
        batch_op.add_column(sa.Column('analysis_job_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('analysis_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('analysed_at', backoffice.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_viruslab_submissions_analysis_job_id_jobs'), 'jobs',
                                    ['analysis_job_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE viruslab_submissions SET state = 'waiting', analysed_at = created_at "
               "WHERE state IN ('new', 'in_analysis')")
    op.execute("UPDATE viruslab_submissions SET analysed_at = created_at WHERE analysed_at IS NULL")
    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.create_check_constraint('state', NEW_STATES)

    op.create_table('viruslab_submission_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=1024), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('archive_state', sa.String(length=16), nullable=False),
    sa.Column('archive_note', sa.String(length=255), nullable=True),
    sa.CheckConstraint(NEW_ARCHIVE, name=op.f('ck_viruslab_submission_files_archive_state')),
    sa.CheckConstraint('depth >= 0', name=op.f('ck_viruslab_submission_files_depth')),
    sa.ForeignKeyConstraint(['parent_id'], ['viruslab_submission_files.id'],
                            name=op.f('fk_viruslab_submission_files_parent_id_viruslab_submission_files'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_viruslab_submission_files_sample_id_samples'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['viruslab_submissions.id'],
                            name=op.f('fk_viruslab_submission_files_submission_id_viruslab_submissions'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_viruslab_submission_files'))
    )
    with op.batch_alter_table('viruslab_submission_files', schema=None) as batch_op:
        batch_op.create_index('ix_viruslab_submission_files_submission', ['submission_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_viruslab_submission_files_sample_id'), ['sample_id'], unique=False)
    op.execute(
        "INSERT INTO viruslab_submission_files (submission_id, parent_id, sample_id, name, depth, archive_state, "
        "archive_note) SELECT s.id, NULL, s.sample_id, COALESCE(s.file_name, 'file'), 0, m.archive_state, "
        "m.archive_note FROM viruslab_submissions s JOIN samples m ON m.id = s.sample_id ORDER BY s.id")

    op.create_table('yara_scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('rules_version', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('created_at', backoffice.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('ok', 'timed_out', 'error')", name=op.f('ck_yara_scans_status')),
    sa.ForeignKeyConstraint(['sample_id'], ['samples.id'], name=op.f('fk_yara_scans_sample_id_samples'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['viruslab_submissions.id'],
                            name=op.f('fk_yara_scans_submission_id_viruslab_submissions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_yara_scans'))
    )
    with op.batch_alter_table('yara_scans', schema=None) as batch_op:
        batch_op.create_index('ix_yara_scans_sample', ['sample_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_yara_scans_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('yara_scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_yara_scans_submission_id'))
        batch_op.drop_index('ix_yara_scans_sample')
    op.drop_table('yara_scans')
    with op.batch_alter_table('viruslab_submission_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_viruslab_submission_files_sample_id'))
        batch_op.drop_index('ix_viruslab_submission_files_submission')
    op.drop_table('viruslab_submission_files')

    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_viruslab_submissions_state'), type_='check')
    op.execute("UPDATE viruslab_submissions SET state = CASE WHEN assignee_id IS NULL THEN 'new' "
               "ELSE 'in_analysis' END WHERE state IN ('received', 'analysing', 'analysis_failed', 'waiting')")
    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_viruslab_submissions_analysis_job_id_jobs'), type_='foreignkey')
        batch_op.drop_column('analysed_at')
        batch_op.drop_column('analysis_error')
        batch_op.drop_column('analysis_job_id')
        batch_op.create_check_constraint('state', OLD_STATES)

    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_samples_archive_state'), type_='check')
    op.execute("UPDATE samples SET archive_state = 'corrupt' WHERE archive_state = 'damaged'")
    with op.batch_alter_table('samples', schema=None) as batch_op:
        batch_op.create_check_constraint('archive_state', OLD_ARCHIVE)
