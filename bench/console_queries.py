"""The SQL behind each page the list benchmark measures: how many statements, and each one's plan.

    .venv/bin/python -m bench.console_queries --backend postgresql --customers 1000000
    .venv/bin/python -m bench.console_queries --backend sqlite --customers 100000 --sqlite-dir /tmp/bq

Loads a fresh database as bench.console_lists does (or reuses it with --reuse), requests each page in-process
through the Flask test client as the signed-in bench admin, records every statement the page runs (so a hidden
COUNT(*) or an N+1 shows up), and prints EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) for each.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy import event

from backoffice.extensions import db
from bench.console_app import create_bench_app
from bench.console_lists import measured_views
from bench.console_seed import database_url, prepare, recreate_database, search_terms
from bench.pg import PG_ADMIN_URL
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, seed_app_config


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="use the database as it is (loaded before)")
    parser.add_argument("--sqlite-dir", default="/tmp/bench_console_queries")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--pg-database", default="bench_console_queries")
    parser.add_argument("--only", help="only views whose name contains this")
    args = parser.parse_args(argv)

    Path(args.sqlite_dir).mkdir(parents=True, exist_ok=True)
    url = database_url(args.backend, args.pg_admin_url, args.pg_database, Path(args.sqlite_dir))
    if not args.reuse:
        recreate_database(args.backend, url, args.pg_admin_url)
        prepare(args.backend, url, args.customers, lambda message: print(message, file=sys.stderr))
    app = create_bench_app({**seed_app_config(url), "WTF_CSRF_ENABLED": False})
    with app.app_context():
        terms = search_terms()
        db.session.remove()
    client = app.test_client()
    response = client.post("/console/login", data={"email": BENCH_STAFF_EMAIL, "password": BENCH_STAFF_PASSWORD})
    assert response.status_code == 302, response.status_code

    for name, path, params, _expect in measured_views(url, terms):
        if args.only and args.only not in name:
            continue
        with app.app_context():
            engine = db.engine
            statements, listener = statement_recorder()
            event.listen(engine, "before_cursor_execute", listener)
            started = time.perf_counter()
            response = client.get(path, query_string=params)
            elapsed = (time.perf_counter() - started) * 1000
            event.remove(engine, "before_cursor_execute", listener)
            print(f"\n=== {name}: {path} {params} -> {response.status_code} in {elapsed:.1f} ms, "
                  f"{len(statements)} statements")
            for statement, parameters in statements:
                print_plan(engine, args.backend, statement, parameters)
    return 0


def statement_recorder():
    statements = []

    def record(_connection, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    return statements, record


def print_plan(engine, backend: str, statement: str, parameters) -> None:
    flat = " ".join(statement.split())
    print(f"\n--- {flat[:400]}{' ...' if len(flat) > 400 else ''}\n    params: {parameters}")
    if not flat.upper().startswith("SELECT") or "staff_users" in flat:
        return
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).fetchall()
    for row in rows:
        print("    " + (row[0] if backend == "postgresql" else str(row[-1])))


if __name__ == "__main__":
    sys.exit(main())
