"""Console customer lists at scale, over HTTP, against a default Flask-Admin ModelView of the same table.

    .venv/bin/python -m bench.console_lists --sizes 10000,1000000 --backends postgresql,sqlite

For each backend and size: a fresh database (PostgreSQL: its own database, dropped and created again; SQLite: a
file in a temporary directory), migrated with `upgrade heads`, loaded with N customers and one admin, served by
gunicorn (2 workers). One signed-in session per server then times, in interleaved rounds, the console's customer
list, a filtered list, a search by e-mail fragment and by name fragment, the same four on the baseline view, and
the dashboard. It prints a table and checks the issue's targets (list at the largest size <= 1.3x the smallest;
list <= 0.25x baseline; search <= 0.05x baseline). bench/README.md says more.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench import pg, report
from bench.console_app import BASELINE_ENDPOINT, BASELINE_URL, create_bench_app, equal_filter_params
from bench.console_seed import database_url, prepare, recreate_database
from bench.http_timing import ConsoleSession, Timing, time_interleaved
from bench.pg import PG_ADMIN_URL
from bench.report import log, measured_at, verdict, write_markdown
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, gunicorn, seed_app_config

CONSOLE = ("console", "customers", "/console/customers/")
BASELINE = ("baseline", BASELINE_ENDPOINT, BASELINE_URL + "/")


@dataclass(frozen=True)
class Row:
    backend: str
    rows: int
    view: str
    timing: Timing


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench_console_") as workdir:
        for backend in args.backends:
            results += run_backend(backend, args, Path(workdir))
    print()
    print(markdown_table(results))
    print()
    verdicts = target_checks(results, args.sizes)
    print("\n".join(verdicts))
    if args.markdown:
        command = " ".join([".venv/bin/python -m bench.console_lists", *(argv if argv is not None else sys.argv[1:])])
        write_markdown(Path(args.markdown), "Console customer lists at scale", command,
                       f"{measured_at()}, {os.cpu_count()} CPUs, load average at the end "
                       f"{' / '.join(f'{v:.1f}' for v in os.getloadavg())}", markdown_table(results), verdicts)
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000", type=lambda v: [int(n) for n in v.split(",")])
    parser.add_argument("--backends", default="postgresql,sqlite", type=lambda v: v.split(","))
    parser.add_argument("--requests", type=int, default=40, help="measured requests per page (after 3 warm-up)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="a PostgreSQL URL allowed to create databases")
    parser.add_argument("--pg-database", default="bench_console",
                        help="name prefix: <prefix>_<size> is dropped and created again on each run")
    parser.add_argument("--keep-databases", action="store_true", help="keep the PostgreSQL databases afterwards")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--markdown", help="also write the table and verdicts to this file")
    args = parser.parse_args(argv)
    unknown = set(args.backends) - {"postgresql", "sqlite"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")
    return args


def run_backend(backend: str, args, workdir: Path) -> list[Row]:
    """Load one database per size, serve each, then time every (size, view) in interleaved rounds."""
    targets = []
    with ExitStack() as servers:
        for size in args.sizes:
            log(f"{backend} with {size:,} customers")
            sqlite_dir = workdir / f"sqlite-{size}"
            sqlite_dir.mkdir(parents=True, exist_ok=True)
            url = database_url(backend, args.pg_admin_url, f"{args.pg_database}_{size}", sqlite_dir)
            recreate_database(backend, url, args.pg_admin_url)
            terms = prepare(backend, url, size, log)
            base = servers.enter_context(gunicorn(url, workdir / f"instance-{size}", args.workers))
            session = ConsoleSession(base)
            session.sign_in(BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD)
            targets.append((size, session, measured_views(url, terms)))
        log(f"  timing {args.requests} rounds of {sum(len(views) for _, _, views in targets)} pages")
        timings = time_interleaved(targets, args.requests)
    if backend == "postgresql" and not args.keep_databases:
        for size in args.sizes:
            pg.drop_database(args.pg_admin_url, f"{args.pg_database}_{size}")
    rows = [Row(backend, size, name, timing) for (size, name), timing in timings.items()]
    log(markdown_table(rows))
    return rows


def measured_views(url: str, terms: dict) -> list[tuple[str, str, dict, str | None]]:
    """(name, path, query, text the page must show) for each view, console and baseline side by side."""
    app = create_bench_app(seed_app_config(url))
    filters = {"status": "locked", "country": terms["country"]}
    views = []
    for label, endpoint, path in (CONSOLE, BASELINE):
        views += [
            (f"{label} list", path, {}, "@scale.example.com"),
            (f"{label} filter status+country", path, equal_filter_params(app, endpoint, filters), "@scale.example.com"),
            (f"{label} search e-mail", path, {"search": terms["email"]}, terms["email"]),
            (f"{label} search name", path, {"search": terms["name"]}, "@scale.example.com"),
        ]
    views.append(("console dashboard", "/console/", {}, "Customers"))
    return views


def markdown_table(results: list[Row]) -> str:
    """One line per page; console lines also give their p50 as a multiple of the baseline's."""
    p50 = {(row.backend, row.rows, row.view): row.timing.p50_ms for row in results}
    lines = []
    for row in results:
        baseline = p50.get((row.backend, row.rows, row.view.replace("console ", "baseline ", 1)))
        ratio = f"{row.timing.p50_ms / baseline:.3f}x" if baseline and row.view.startswith("console ") else ""
        lines.append([row.backend, f"{row.rows:,}", row.view, f"{row.timing.p50_ms:.1f}", f"{row.timing.p95_ms:.1f}",
                      ratio])
    return report.markdown_table(["backend", "rows", "view", "p50 ms", "p95 ms", "p50 vs baseline"], "lrlrrr", lines)


def target_checks(results: list[Row], sizes: list[int]) -> list[str]:
    """The issue's targets on p50, at the largest size, against the smallest size and the baseline."""
    p50 = {(row.backend, row.rows, row.view): row.timing.p50_ms for row in results}
    small, large = min(sizes), max(sizes)
    verdicts = []

    def check(label: str, numerator, denominator, limit: float | None) -> None:
        if numerator is None or denominator is None:
            return
        ratio = numerator / denominator
        verdicts.append(f"INFO  {label}: {ratio:.3f}x" if limit is None else verdict(label, ratio, limit))

    for backend in dict.fromkeys(row.backend for row in results):
        def at(rows, view, backend=backend):
            return p50.get((backend, rows, view))

        if small != large:
            check(f"{backend} list at {large:,} vs {small:,}",
                  at(large, "console list"), at(small, "console list"), 1.3)
            check(f"{backend} dashboard at {large:,} vs {small:,}",
                  at(large, "console dashboard"), at(small, "console dashboard"), None)
        check(f"{backend} list vs baseline at {large:,}", at(large, "console list"), at(large, "baseline list"), 0.25)
        check(f"{backend} filtered list vs baseline at {large:,}",
              at(large, "console filter status+country"), at(large, "baseline filter status+country"), None)
        for kind in ("e-mail", "name"):
            check(f"{backend} search {kind} vs baseline at {large:,}",
                  at(large, f"console search {kind}"), at(large, f"baseline search {kind}"), 0.05)
    return verdicts


if __name__ == "__main__":
    sys.exit(main())
