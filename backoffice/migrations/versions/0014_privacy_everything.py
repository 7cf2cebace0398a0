"""Privacy that covers everything (#12 items 5-6): Personal Cabinet codes remember what claiming them gave;
tickets and Virus Lab requests may outlive their customer, anonymised; data downloads are zips built by a job.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

import backoffice.models.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC = backoffice.models.types.UTCDateTime(timezone=True)

# SQLite's batch mode rebuilds `tickets` (copy, drop, rename), and dropping a table drops its triggers: the ones
# that keep the ticket text search (0005b) current come back here, word for word
TICKET_SEARCH_TRIGGERS = (
    "CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_fts(rowid, subject, description) VALUES (new.id, new.subject, new.description); END",
    "CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, subject, description) "
    "VALUES ('delete', old.id, old.subject, old.description); END",
    "CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, description ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, subject, description) "
    "VALUES ('delete', old.id, old.subject, old.description);"
    " INSERT INTO tickets_fts(rowid, subject, description) VALUES (new.id, new.subject, new.description); END",
)


def _restore_ticket_search_triggers():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for statement in TICKET_SEARCH_TRIGGERS:
        op.execute(statement)
    op.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")


def upgrade():
    with op.batch_alter_table('legacy_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('resolved_at', UTC, nullable=True))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', UTC, nullable=True))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint('customer_or_anonymised',
                                         'customer_id IS NOT NULL OR anonymised_at IS NOT NULL')
    _restore_ticket_search_triggers()

    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', UTC, nullable=True))
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.create_check_constraint(
            'customer_or_anonymised', '(customer_id IS NOT NULL AND email IS NOT NULL) OR anonymised_at IS NOT NULL')

    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', UTC, nullable=False),
    sa.Column('ready_at', UTC, nullable=True),
    sa.Column('expires_at', UTC, nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('size', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("state IN ('preparing', 'ready', 'failed', 'expired')", name=op.f('ck_data_exports_state')),
    sa.CheckConstraint("state <> 'ready' OR (sha256 IS NOT NULL AND expires_at IS NOT NULL)",
                       name=op.f('ck_data_exports_ready_has_file')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_data_exports_customer_id_customers'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_data_exports_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index('ix_data_exports_customer_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index('uq_data_exports_preparing', ['customer_id'], unique=True,
                              postgresql_where=sa.text("state = 'preparing'"),
                              sqlite_where=sa.text("state = 'preparing'"))


def downgrade():
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index('uq_data_exports_preparing', postgresql_where=sa.text("state = 'preparing'"),
                            sqlite_where=sa.text("state = 'preparing'"))
        batch_op.drop_index('ix_data_exports_customer_id')
    op.drop_table('data_exports')
    # what outlived its customer cannot go back under a NOT NULL customer: it goes
    op.execute("DELETE FROM viruslab_submissions WHERE customer_id IS NULL OR email IS NULL")
    op.execute("DELETE FROM tickets WHERE customer_id IS NULL")
    with op.batch_alter_table('viruslab_submissions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_viruslab_submissions_customer_or_anonymised'), type_='check')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_tickets_customer_or_anonymised'), type_='check')
        batch_op.alter_column('customer_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('anonymised_at')
    _restore_ticket_search_triggers()
    with op.batch_alter_table('legacy_codes', schema=None) as batch_op:
        batch_op.drop_column('resolved_at')
        batch_op.drop_column('reason')
        batch_op.drop_column('outcome')
