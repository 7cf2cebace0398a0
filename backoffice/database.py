"""Engine settings per backend: SQLite gets WAL, foreign keys and a busy timeout on every connection."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from backoffice.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000


def configure_engine(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        database_path = url.split("sqlite:///", 1)[-1]
        if database_path and database_path != ":memory:":
            Path(database_path).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def upsert_insert(model):
    """INSERT for `model` on the current backend, with its ON CONFLICT clauses (both dialects have them; the
    generic insert has not)."""
    dialect_insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    return dialect_insert(model)


# Objects that exist only for one backend (search indexes) are created by hand in the migrations and are not
# in the models, so autogenerate and the drift test must not see them.
BACKEND_ONLY_SUFFIXES = ("_trgm", "_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything but the backend-only search objects."""
    return not (name and name.endswith(BACKEND_ONLY_SUFFIXES))
