"""The console's customer page for a customer with 10,000 tickets against one with 1, over HTTP.

    .venv/bin/python -m bench.customer_page --markdown bench/RESULTS-customer_page.md

One PostgreSQL database (bench_customer_page), migrated with `upgrade heads` and loaded by
bench/customer_page_seed.py: both customers among 20,000 others and 200,000 tickets, one in 20 of them the
busy customer's. Served by gunicorn (2 workers); one signed-in admin session times both customers' pages in
interleaved rounds. Target: the page of the customer with 10,000 tickets <= 1.3x the page of the customer with
1; reported beside them, a customer whose every list is full (50 codes, 500 lab requests, 300 notes, 2,000
security events too), whose page renders 100 rows instead of 5.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench import report
from bench.customer_page_seed import BUSY, MANY, ONE, SHAPES, prepare
from bench.http_timing import ConsoleSession, time_interleaved
from bench.pg import PG_ADMIN_URL, database_url, drop_database
from bench.report import log, measured_at, verdict, write_markdown
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, gunicorn

APP = "backoffice.wsgi:app"
DATABASE = "bench_customer_page"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.pg_admin_url, DATABASE)
    drop_database(args.pg_admin_url, DATABASE, create_again=True)
    log("PostgreSQL: loading")
    ids = prepare(url, log)
    with tempfile.TemporaryDirectory(prefix="bench_customer_page_") as workdir, \
            gunicorn(url, Path(workdir) / "instance", args.workers, APP) as base:
        session = ConsoleSession(base, timeout=300)
        session.sign_in(BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD)
        views = [(email, "/console/customers/details/", {"id": ids[email]}, email) for email in (ONE, MANY, BUSY)]
        log(f"  timing {args.requests} rounds")
        rows = time_interleaved([(0, session, views)], args.requests)
    if not args.keep_database:
        drop_database(args.pg_admin_url, DATABASE)
    one, many, busy = (rows[(0, email)] for email in (ONE, MANY, BUSY))
    table = report.markdown_table(
        ["customer", "tickets", "codes", "lab requests", "notes", "security events", "p50 ms", "p95 ms"], "lrrrrrrr",
        [[email, *(f"{SHAPES[email][k]:,}" for k in ("tickets", "codes", "lab", "notes", "events")),
          f"{timing.p50_ms:.1f}", f"{timing.p95_ms:.1f}"]
         for email, timing in ((ONE, one), (MANY, many), (BUSY, busy))])
    verdicts = [verdict("10,000 tickets vs 1", many.p50_ms / one.p50_ms, 1.3, digits=2),
                f"(for information) every list full vs 1 of each: {busy.p50_ms / one.p50_ms:.2f}x"]
    print(table, "", *verdicts, sep="\n")
    if args.markdown:
        command = " ".join([".venv/bin/python -m bench.customer_page", *(argv if argv is not None else sys.argv[1:])])
        write_markdown(Path(args.markdown), "The customer page", command,
                       f"{measured_at()}, PostgreSQL, gunicorn {args.workers} workers, {args.requests} rounds, "
                       "on a 2-core machine shared with other work", table, verdicts)
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100, help="measured rounds (after 3 warm-up requests)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="a PostgreSQL URL allowed to create databases")
    parser.add_argument("--keep-database", action="store_true", help="keep the loaded database afterwards")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", help="also write the table and verdicts to this file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
