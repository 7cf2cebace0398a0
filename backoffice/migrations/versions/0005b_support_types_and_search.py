"""support requests: the eight request types of FAQ §12, and the ticket text search

Revision ID: 0005b
Revises: 0005
Create Date: 2026-11-25

The text search differs per backend and is not in the models: PostgreSQL a GIN full-text index, SQLite an FTS5
table kept current by triggers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005b"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    seed_request_types()
    create_ticket_search()


def downgrade():
    # The request types stay: tickets reference them, and 0005's downgrade drops the table with its rows.
    drop_ticket_search()


# The eight request types of FAQ §12, in its order; Pre-sale question needs no product.
REQUEST_TYPES = [
    ("general", "General question", "Your question is not connected with one of the other request types."),
    ("application", "Application problem",
     "An installed product works incorrectly, or other applications stopped working normally after it was installed."),
    ("license", "Key problem / License expiration",
     "You lost your key file or activation code, its medium is damaged, or you want to renew your licence."),
    ("suggestion", "Suggestions for future versions", "Ideas for future versions of a product you use."),
    ("disinfection", "Virus disinfection",
     "Your computer is infected by an unknown virus, or a virus cannot be disinfected or deleted."),
    ("updates", "AV-bases Updates problem",
     "Anti-virus databases (threat signatures) do not update, or an error appears during the update."),
    ("presale", "Pre-sale question", "You want to buy a commercial licence for a product."),
    ("setup", "Problems with Setup / Remove application",
     "Errors appear while installing or removing a product, or the installation or removal goes wrong."),
]


def seed_request_types():
    """Insert the types that are not there yet, so an upgrade after a downgrade to 0005 works too."""
    table = sa.table(
        "support_request_types",
        sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("description", sa.Text), sa.column("position", sa.Integer),
        sa.column("requires_product", sa.Boolean),
    )
    present = set(op.get_bind().execute(sa.select(table.c.code)).scalars())
    rows = [
        {"id": position, "code": code, "name": name, "description": description, "position": position,
         "requires_product": code != "presale"}
        for position, (code, name, description) in enumerate(REQUEST_TYPES, start=1)
        if code not in present
    ]
    if rows:
        op.bulk_insert(table, rows)
    if op.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequence past them
        op.execute("SELECT setval('support_request_types_id_seq', (SELECT max(id) FROM support_request_types))")


def create_ticket_search():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_tickets_text_fts ON tickets USING gin "
            "(to_tsvector('simple'::regconfig, subject || ' ' || description))"
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE tickets_fts USING fts5("
        "subject, description, content='tickets', content_rowid='id')"
    )
    op.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")  # index tickets already there
    op.execute(
        "CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN "
        "INSERT INTO tickets_fts(rowid, subject, description) VALUES (new.id, new.subject, new.description); END"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN "
        "INSERT INTO tickets_fts(tickets_fts, rowid, subject, description) "
        "VALUES ('delete', old.id, old.subject, old.description); END"
    )
    op.execute(
        "CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, description ON tickets BEGIN "
        "INSERT INTO tickets_fts(tickets_fts, rowid, subject, description) "
        "VALUES ('delete', old.id, old.subject, old.description);"
        " INSERT INTO tickets_fts(rowid, subject, description) VALUES (new.id, new.subject, new.description); END"
    )


def drop_ticket_search():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_tickets_text_fts")
        return
    for trigger in ("tickets_fts_au", "tickets_fts_ad", "tickets_fts_ai"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS tickets_fts")
