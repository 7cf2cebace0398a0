"""Engine settings per backend: SQLite gets WAL, foreign keys and a busy timeout on every connection; PostgreSQL
connections are checked for liveness only after they sat idle in the pool (not with a round trip per checkout)."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

from backoffice.extensions import db

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15_000
# A connection used within this many seconds is handed out as it is: a server restart or an idle timeout drops
# connections that sat unused, and one checked in a moment ago was just seen working. `pool_pre_ping` would add a
# round trip to every checkout, i.e. to every request (0.7 ms of a 5 ms page).
PING_AFTER_IDLE_SECONDS = 10.0


def configure_engine(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.startswith("sqlite"):
        database_path = url.split("sqlite:///", 1)[-1]
        if database_path and database_path != ":memory:":
            Path(database_path).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _is_psycopg(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("psycopg")


@event.listens_for(Pool, "checkin")
def _note_idle_start(dbapi_connection, record) -> None:
    if dbapi_connection is not None:
        record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    """A PostgreSQL connection idle for PING_AFTER_IDLE_SECONDS is pinged; a dead one is replaced by the pool
    (DisconnectionError makes it connect anew) instead of failing the request that drew it."""
    idle_since = record.info.get("idle_since")
    if not _is_psycopg(dbapi_connection) or idle_since is None \
            or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        ping(dbapi_connection)
    except Exception as error:  # whatever the driver raises for a dropped socket
        raise DisconnectionError(f"an idle connection did not answer: {error}") from error


def ping(dbapi_connection) -> None:
    """One round trip outside any transaction (what SQLAlchemy's pre-ping does for psycopg)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute("SELECT 1")
    finally:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = autocommit


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
