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
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.console_app import BASELINE_ENDPOINT, BASELINE_URL, create_bench_app, equal_filter_params
from bench.console_seed import (
    BENCH_STAFF_EMAIL,
    BENCH_STAFF_PASSWORD,
    app_config,
    database_url,
    drop_database,
    prepare,
    recreate_database,
)
from bench.http_timing import ConsoleSession, Timing, gunicorn

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
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
        write_markdown(Path(args.markdown), argv if argv is not None else sys.argv[1:], results, verdicts)
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
    """Load one database per size, serve each, then time every (size, view) in interleaved rounds.

    Round-robin rather than N requests in a row: the machine is shared, and a burst of load elsewhere then
    slows every view and size alike instead of skewing the one being measured at that moment.
    """
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
        samples: dict[tuple[int, str], list[float]] = {}
        for size, session, views in targets:
            for name, path, params, expect in views:
                session.warm_up(path, params, expect)
                samples[(size, name)] = []
        for _ in range(args.requests):
            for size, session, views in targets:
                for name, path, params, _expect in views:
                    samples[(size, name)].append(session.timed_get(path, params))
    if backend == "postgresql" and not args.keep_databases:
        for size in args.sizes:
            drop_database(database_url(backend, args.pg_admin_url, f"{args.pg_database}_{size}", workdir),
                          args.pg_admin_url)
    rows = [Row(backend, size, name, Timing.of(times)) for (size, name), times in samples.items()]
    log(markdown_table(rows))
    return rows


def measured_views(url: str, terms: dict) -> list[tuple[str, str, dict, str | None]]:
    """(name, path, query, text the page must show) for each view, console and baseline side by side."""
    app = create_bench_app(app_config(url))
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
    lines = ["| backend | rows | view | p50 ms | p95 ms | p50 vs baseline |", "|---|---:|---|---:|---:|---:|"]
    for row in results:
        baseline = p50.get((row.backend, row.rows, row.view.replace("console ", "baseline ", 1)))
        ratio = f"{row.timing.p50_ms / baseline:.3f}x" if baseline and row.view.startswith("console ") else ""
        lines.append(f"| {row.backend} | {row.rows:,} | {row.view} | {row.timing.p50_ms:.1f} | "
                     f"{row.timing.p95_ms:.1f} | {ratio} |")
    return "\n".join(lines)


def target_checks(results: list[Row], sizes: list[int]) -> list[str]:
    """The issue's targets on p50, at the largest size, against the smallest size and the baseline."""
    p50 = {(row.backend, row.rows, row.view): row.timing.p50_ms for row in results}
    small, large = min(sizes), max(sizes)
    verdicts = []

    def check(label: str, numerator, denominator, limit: float | None) -> None:
        if numerator is None or denominator is None:
            return
        ratio = numerator / denominator
        if limit is None:
            verdicts.append(f"INFO  {label}: {ratio:.3f}x")
        else:
            verdicts.append(f"{'PASS' if ratio <= limit else 'MISS'}  {label}: {ratio:.3f}x (target <= {limit}x)")

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


def write_markdown(path: Path, argv: list[str], results: list[Row], verdicts: list[str]) -> None:
    command = " ".join([".venv/bin/python -m bench.console_lists", *argv])
    path.write_text("\n".join([
        "# Console customer lists at scale: measured figures", "",
        f"Command: `{command}`  ", f"Measured: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, load average at the end {' / '.join(f'{v:.1f}' for v in os.getloadavg())}", "",
        markdown_table(results), "", "Targets (p50):", "", *[f"- {line}" for line in verdicts], "",
    ]))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
