"""Every console page against the floor (a signed-in route of the same app that renders nothing), over HTTP.

    .venv/bin/python -m bench.console_floor --sizes 10000,1000000 --markdown bench/RESULTS-console_floor.md

For each backend (PostgreSQL by default; `--backends postgresql,sqlite`) and size: a fresh database (PostgreSQL:
bench_floor_<size>, dropped and created again; SQLite: a file in a temporary directory), migrated with `upgrade
heads`, every big table filled with N rows (bench/floor_seed.py: COPY on PostgreSQL). Each page is requested once
in-process through the Flask test client to count its SQL statements; then gunicorn (2 workers) serves each
database with bench/floor_app.py (the real console, the default ModelView of Customer, the floor), and one
signed-in session per server times, in interleaved rounds over every size, the floor, each console list, a filter
and the searches on customers beside the default ModelView's, the ticket page, the customer page and the
dashboard. It prints p50, p95, the ratio to the floor, the ratio to the smallest size and the statement count,
and checks the issue's targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import event

from bench import report
from bench.console_app import BASELINE_ENDPOINT, BASELINE_URL, equal_filter_params
from bench.console_seed import database_url, recreate_database
from bench.floor_app import FLOOR_URL, create_bench_app
from bench.floor_seed import measured_terms, prepare
from bench.http_timing import ConsoleSession, Timing, time_interleaved
from bench.pg import PG_ADMIN_URL, database_exists, drop_database
from bench.report import log, measured_at, verdict, write_markdown
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, gunicorn, seed_app_config

APP = "bench.floor_app:create_bench_app()"
FLOOR = "floor (signed in, renders nothing)"
CUSTOMERS = ("customers list", "customers filter status+country", "customers search e-mail", "customers search name")
LISTS = ("ticket queue", "customers list", "activation codes", "blacklist", "Virus Lab requests",
         "Virus Lab samples", "audit log", "outbox", "jobs")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    timings: dict[tuple[str, int, str], Timing] = {}
    counts: dict[tuple[str, int, str], int] = {}
    with tempfile.TemporaryDirectory(prefix="bench_floor_") as workdir:
        for backend in args.backends:
            measured, counted = run_backend(backend, args, Path(workdir))
            timings.update({(backend, *key): timing for key, timing in measured.items()})
            counts.update({(backend, *key): n for key, n in counted.items()})
    table = markdown_table(timings, counts)
    verdicts = [line for backend in args.backends for line in target_checks(
        {key[1:]: timing for key, timing in timings.items() if key[0] == backend}, args.sizes, backend)]
    print(table, "", *verdicts, sep="\n")
    if args.markdown:
        command = " ".join([".venv/bin/python -m bench.console_floor", *(argv if argv is not None else sys.argv[1:])])
        write_markdown(Path(args.markdown), "Console pages against the signed-in floor", command,
                       f"{measured_at()}, gunicorn {args.workers} workers, {args.requests} rounds, "
                       f"{os.cpu_count()} CPUs shared with other work, load average at the end "
                       f"{' / '.join(f'{v:.1f}' for v in os.getloadavg())}", table, verdicts)
    return 0


def run_backend(backend: str, args, workdir: Path):
    """Load one database per size, count each page's statements, serve each database, then time every
    (size, page) in interleaved rounds. Returns timings and counts by (size, page)."""
    targets, counts = [], {}
    with ExitStack() as servers:
        for size in args.sizes:
            log(f"{backend} with {size:,} rows a table")
            sqlite_dir = workdir / f"sqlite-{size}"
            sqlite_dir.mkdir(parents=True, exist_ok=True)
            url = database_url(backend, args.pg_admin_url, f"{args.pg_prefix}_{size}", sqlite_dir)
            if args.reuse and backend == "postgresql" and database_exists(args.pg_admin_url,
                                                                          f"{args.pg_prefix}_{size}"):
                terms = measured_terms(url, size)  # loaded by an earlier run with --keep-databases
            else:
                recreate_database(backend, url, args.pg_admin_url)
                terms = prepare(backend, url, size, log)
            pages = views(url, size, terms)
            counts.update({(size, page): n for page, n in statement_counts(url, pages).items()})
            base = servers.enter_context(gunicorn(url, workdir / f"instance-{backend}-{size}", args.workers, APP))
            session = ConsoleSession(base, timeout=300)
            session.sign_in(BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD)
            targets.append((size, session, pages))
        log(f"  timing {args.requests} rounds of {sum(len(pages) for _, _, pages in targets)} pages")
        timings = time_interleaved(targets, args.requests)
    if backend == "postgresql" and not args.keep_databases:
        for size in args.sizes:
            drop_database(args.pg_admin_url, f"{args.pg_prefix}_{size}")
    return timings, counts


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", type=lambda v: [int(n) for n in v.split(",")],
                        help="rows in every big table; the smallest is the reference")
    parser.add_argument("--backends", default="postgresql", type=lambda v: v.split(","),
                        help="postgresql, sqlite or both (comma-separated)")
    parser.add_argument("--requests", type=int, default=40, help="measured rounds (after 3 warm-up requests)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="a PostgreSQL URL allowed to create databases")
    parser.add_argument("--pg-prefix", default="bench_floor",
                        help="database name prefix: <prefix>_<size> is dropped and created again on each run")
    parser.add_argument("--keep-databases", action="store_true", help="keep the loaded databases afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: time the databases an earlier --keep-databases run left, without loading")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", help="also write the table and verdicts to this file")
    args = parser.parse_args(argv)
    unknown = set(args.backends) - {"postgresql", "sqlite"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    return args


def views(url: str, size: int, terms: dict) -> list[tuple[str, str, dict, str | None]]:
    """(name, path, query, text the page must show) for the floor, each console page and the baseline.

    The e-mail fragment `.<size/20>` is in 11 addresses (customer n's address ends in `.n@`): one match would
    send the console's search straight to that customer's page, and the list would not be measured."""
    app = create_bench_app(seed_app_config(url))
    email = f".{size // 20}"
    # pending customers of one country: about 1 in 150, so that the first page is full at 10k rows too and the
    # sizes compare the database's work rather than 33 rows against 50
    filters = {"status": "pending", "country": terms["country"]}
    customers, baseline = "/console/customers/", BASELINE_URL + "/"
    return [
        (FLOOR, FLOOR_URL, {}, None),
        ("ticket queue", "/console/tickets/", {"queue": "general"}, "TS-2025-"),
        ("customers list", customers, {}, "@scale.example.com"),
        ("customers filter status+country", customers, equal_filter_params(app, "customers", filters),
         "@scale.example.com"),
        ("customers search e-mail", customers, {"search": email}, email + "0@"),
        ("customers search name", customers, {"search": terms["name"]}, "@scale.example.com"),
        ("baseline customers list", baseline, {}, "@scale.example.com"),
        ("baseline customers filter status+country", baseline, equal_filter_params(app, BASELINE_ENDPOINT, filters),
         "@scale.example.com"),
        ("baseline customers search e-mail", baseline, {"search": email}, email + "0@"),
        ("baseline customers search name", baseline, {"search": terms["name"]}, "@scale.example.com"),
        ("activation codes", "/console/codes/", {}, "-0000"),
        ("blacklist", "/console/blacklist/", {}, "-0000"),
        ("Virus Lab requests", "/console/viruslab/", {}, "VL-"),
        ("Virus Lab samples", "/console/samples/", {}, "Trojan.Bench."),
        ("audit log", "/console/audit/", {}, "192.0.2.1"),
        ("outbox", "/console/outbox/", {}, "@scale.example.com"),
        ("jobs", "/console/jobs/", {}, "SMTP: connection refused"),
        ("ticket page", f"/console/tickets/{terms['ticket']}", {}, "log-30.txt"),  # the thread's last file
        ("customer page", "/console/customers/details/", {"id": terms["customer_id"]}, terms["ticket"]),
        ("dashboard", "/console/", {}, "Customers"),
    ]


def statement_counts(url: str, pages) -> dict[str, int]:
    """SQL statements each page runs, counted in-process (a `before_cursor_execute` listener) while the signed-in
    bench admin requests it once through the Flask test client, after one unrecorded request."""
    from backoffice.extensions import db

    app = create_bench_app({**seed_app_config(url), "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    response = client.post("/console/login", data={"email": BENCH_STAFF_EMAIL, "password": BENCH_STAFF_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"in-process sign-in answered {response.status_code}")
    counts = {}
    with app.app_context():
        engine = db.engine
    for name, path, params, _expect in pages:
        client.get(path, query_string=params)
        statements = []

        def record(*_args, statements=statements):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(path, query_string=params)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params} answered {response.status_code} in-process")
        counts[name] = len(statements)
    engine.dispose()
    return counts


def markdown_table(timings: dict[tuple[str, int, str], Timing], counts: dict[tuple[str, int, str], int]) -> str:
    smallest = min(size for _, size, _ in timings)
    lines = []
    for (backend, size, name), timing in timings.items():
        floor, small = timings[(backend, size, FLOOR)], timings.get((backend, smallest, name))
        lines.append([backend, f"{size:,}", name, f"{timing.p50_ms:.1f}", f"{timing.p95_ms:.1f}",
                      f"{timing.p50_ms / floor.p50_ms:.2f}x", f"{timing.p50_ms / small.p50_ms:.2f}x"
                      if size != smallest else "", str(counts.get((backend, size, name), ""))])
    return report.markdown_table(["backend", "rows", "page", "p50 ms", "p95 ms", "p50 vs floor",
                                  "p50 vs smallest size", "SQL statements"], "lrlrrrrr", lines)


def target_checks(timings: dict[tuple[int, str], Timing], sizes: list[int], backend: str) -> list[str]:
    """The issue's targets on p50: the lists and the ticket page at the largest size <= 2.0x the floor; the
    customers list, filter and searches <= 0.5x the default ModelView at the smallest size and <= 0.15x at the
    largest; every page at the largest size <= 1.2x its smallest-size figure."""
    small, large = min(sizes), max(sizes)

    def p50(size, name):
        return timings[(size, name)].p50_ms

    verdicts = [verdict(f"{backend} {name} vs floor at {large:,}", p50(large, name) / p50(large, FLOOR), 2.0, digits=2)
                for name in (*LISTS, "ticket page")]
    verdicts += [f"INFO  {backend} {name} vs floor at {large:,}: {p50(large, name) / p50(large, FLOOR):.2f}x"
                 for name in ("customers filter status+country", "customers search e-mail", "customers search name",
                              "customer page", "dashboard")]
    for name in CUSTOMERS:
        for size, limit in ((small, 0.5), (large, 0.15)):
            verdicts.append(verdict(f"{backend} {name} vs default ModelView at {size:,}",
                                    p50(size, name) / p50(size, f"baseline {name}"), limit))
    if small != large:
        pages = [name for size, name in timings if size == large and not name.startswith(("baseline ", "floor"))]
        verdicts += [verdict(f"{backend} {name} at {large:,} vs {small:,}", p50(large, name) / p50(small, name),
                             1.2, digits=2) for name in pages]
    return verdicts


if __name__ == "__main__":
    sys.exit(main())
