"""PostgreSQL databases for the benchmarks: URLs on the admin server, create and drop, and VACUUM."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_url(pg_admin_url: str, name: str) -> str:
    """The URL of database `name` on the server (and with the credentials) of `pg_admin_url`."""
    return make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)


def database_exists(pg_admin_url: str, name: str) -> bool:
    admin = create_engine(pg_admin_url)
    try:
        with admin.connect() as connection:
            return bool(connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
    finally:
        admin.dispose()


def drop_database(pg_admin_url: str, name: str, create_again: bool = False) -> None:
    """Drop database `name` if it exists, even with open connections; with `create_again`, an empty one."""
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create_again:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def create_database(pg_admin_url: str, name: str) -> None:
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def vacuum_analyze(url: str, table: str) -> None:
    """VACUUM (outside a transaction) sets the visibility map, so index-only scans skip the heap."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()
