"""The activation code a ticket is about, and the indexes the queue's "code problem" filter walks.

tickets.activation_code_id is nullable (most request types need no code; older tickets have none). SQLite adds a
named foreign key only by copying the table; the copy drops the full-text triggers of 0005b, so the search is
taken down before and rebuilt after (env.py turns foreign keys off, so the copy cascades nothing).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

FK_NAME = "fk_tickets_activation_code_id_activation_codes"


def _ticket_search():
    """0005b's create/drop of the SQLite full-text search (its module name is not importable by `import`)."""
    path = Path(__file__).with_name("0005b_support_types_and_search.py")
    spec = importlib.util.spec_from_file_location("_migration_0005b", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _ticket_search().drop_ticket_search()
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activation_code_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(FK_NAME, "activation_codes", ["activation_code_id"], ["id"], ondelete="SET NULL")
        batch_op.create_index("ix_tickets_activation_code_id", ["activation_code_id", "id"], unique=False)
    if sqlite:
        _ticket_search().create_ticket_search()
    op.create_index("ix_activation_codes_full", "activation_codes", ["id"], unique=False,
                    postgresql_where=sa.text("seats_taken >= seats"), sqlite_where=sa.text("seats_taken >= seats"))
    op.create_index("ix_code_registrations_transfers", "code_registrations", ["added_at", "code_id"], unique=False,
                    postgresql_where=sa.text("is_transfer"), sqlite_where=sa.text("is_transfer"))


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_code_registrations_transfers", table_name="code_registrations")
    op.drop_index("ix_activation_codes_full", table_name="activation_codes")
    if sqlite:
        _ticket_search().drop_ticket_search()
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_activation_code_id")
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
        batch_op.drop_column("activation_code_id")
    if sqlite:
        _ticket_search().create_ticket_search()
