"""Benchmark databases: created empty, migrated with the project's migrations, filled with N customers.

The rows have the shape of `backoffice.seeding.seed_customers` (same names, countries and status weights).
PostgreSQL loads them with COPY, SQLite with batched multi-row INSERTs; on both the search indexes are kept
current while loading (GIN trigram indexes; the FTS5 triggers), exactly as in production.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from backoffice import create_app
from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, StaffRole, StaffUser
from backoffice.security import hash_password
from backoffice.seeding import COUNTRIES, FIRST_NAMES, LAST_NAMES, STATUS_WEIGHTS
from bench import pg
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, seed_app_config

COLUMNS = ("email", "password_hash", "status", "session_epoch", "failed_logins", "name", "country", "city",
           "news_subscribed", "created_at")
BATCH = 10_000


def database_url(backend: str, pg_admin_url: str, pg_database: str, sqlite_dir: Path) -> str:
    if backend == "postgresql":
        return pg.database_url(pg_admin_url, pg_database)
    return f"sqlite:///{sqlite_dir / 'bench_console.db'}"


def recreate_database(backend: str, url: str, pg_admin_url: str) -> None:
    """An empty database: PostgreSQL's is dropped (even with open connections) and created again."""
    if backend == "postgresql":
        pg.drop_database(pg_admin_url, make_url(url).database, create_again=True)
        return
    path = Path(make_url(url).database)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def prepare(backend: str, url: str, customers: int, log) -> dict:
    """Migrate, load `customers` rows and an admin; returns sample search terms taken from the data."""
    app = create_app(seed_app_config(url))
    with app.app_context():
        started = time.perf_counter()
        upgrade(revision="heads")
        log(f"  migrated in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        if backend == "postgresql":
            _copy_postgresql(customers)
        else:
            _insert_sqlite(customers)
        log(f"  loaded {customers:,} customers in {time.perf_counter() - started:.1f}s")
        db.session.add(StaffUser(email=BENCH_STAFF_EMAIL, name="Bench Admin", role=StaffRole.ADMIN,
                                 password_hash=hash_password(BENCH_STAFF_PASSWORD)))
        db.session.commit()
        started = time.perf_counter()
        _refresh_statistics(backend)
        log(f"  statistics refreshed in {time.perf_counter() - started:.1f}s")
        terms = search_terms()
        db.session.remove()
        db.engine.dispose()
    return terms


def customer_rows(count: int, seed: int = 0) -> Iterator[tuple]:
    """Rows in COLUMNS order; customer number n has e-mail first.last.n@scale.example.com."""
    rng = random.Random(seed)
    password_hash = hash_password("scale-customer-pass")  # one hash for all: argon2 per row would take hours
    statuses = [status.value for status, weight in STATUS_WEIGHTS for _ in range(weight)]
    now = utcnow()
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        yield (f"{first}.{last}.{number}@scale.example.com".lower(), password_hash, rng.choice(statuses),
               f"{number:016x}", 0, f"{first} {last}", rng.choice(COUNTRIES), "Springfield",
               rng.random() < 0.3, now - timedelta(minutes=(count - number) * 3))


def _copy_postgresql(count: int) -> None:
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cursor, cursor.copy(f"COPY customers ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in customer_rows(count):
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def _insert_sqlite(count: int) -> None:
    table = Customer.__table__
    batch = []
    for row in customer_rows(count):
        batch.append(dict(zip(COLUMNS, row, strict=True)))
        if len(batch) == BATCH:
            db.session.execute(insert(table), batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
    db.session.commit()


def _refresh_statistics(backend: str) -> None:
    """What autovacuum (PostgreSQL) and `PRAGMA optimize` (SQLite) do on a live system after a bulk load."""
    if backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE customers"))
        return
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))


def search_terms() -> dict:
    """An e-mail fragment matching a handful of rows and a surname fragment shared by ~1/18 of them."""
    middle = db.session.get(Customer, db.session.scalar(select(func.max(Customer.id))) // 2)
    local = middle.email.split("@")[0]  # first.last.n
    surname = middle.name.split()[-1]
    return {"email": local.split(".", 1)[1], "name": surname[:6].lower(), "country": middle.country}
