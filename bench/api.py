"""The REST API at scale, over HTTP: the ticket list and a code look-up, small database against large, and the
code look-up's requests per second against the console's own page for the same code.

    .venv/bin/python -m bench.api                                     # 10k vs 200k tickets: a few minutes
    .venv/bin/python -m bench.api --sizes 10000,2000000 --markdown bench/RESULTS-api.md   # the issue's shape

For each size: the PostgreSQL database of bench/queues.py (bench_queues_<size>: N tickets, 2.5 N activation
codes; `--reuse` keeps one an earlier `bench.queues --keep-databases` run loaded), served by gunicorn (2
workers), an API token for the bench admin made through the service. Interleaved rounds time the API's ticket
list (first page, and a queue), the code look-up (a code typed in lower case with spaces) and the console's code
page for the same code. Then, per size, N client threads send as many look-ups as they can for a few seconds,
through the API and through the console page. Targets: each API figure at the largest size <= 1.3x the smallest.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import create_engine, text

from bench import report
from bench.http_timing import ConsoleSession, Timing, time_interleaved
from bench.pg import PG_ADMIN_URL, database_url, drop_database
from bench.queues_seed import codes_for, loaded_staff_id, prepare
from bench.report import log, measured_at, verdict, write_markdown
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, gunicorn, seed_app_config

API_VIEWS = ("api ticket list", "api queue", "api code look-up")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["BACKOFFICE_API_RATE_LIMIT"] = "10000000 per minute"  # measure the API, not its limiter
    with tempfile.TemporaryDirectory(prefix="bench_api_") as workdir, ExitStack() as servers:
        targets, throughput_targets = [], []
        for size in args.sizes:
            log(f"PostgreSQL with {size:,} tickets")
            name = f"bench_queues_{size}"
            url = database_url(args.pg_admin_url, name)
            if not (args.reuse and loaded_staff_id(url, size) is not None):
                drop_database(args.pg_admin_url, name, create_again=True)
                prepare(url, size, log, codes_for(size))
            token, code_id, code = token_and_code(url)
            base = servers.enter_context(gunicorn(url, Path(workdir) / f"instance-{size}", args.workers))
            session = ConsoleSession(base, timeout=300)
            session.sign_in(BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD)
            session.opener.addheaders = [("Authorization", f"Bearer {token}")]
            typed = code.lower().replace("-", " ")
            views = [
                ("api ticket list", "/api/v1/tickets", {}, '"items"'),
                ("api queue", "/api/v1/tickets", {"queue": "general", "priority": "high"}, '"items"'),
                ("api code look-up", "/api/v1/codes/" + urllib.parse.quote(typed), {}, code),
                ("console code page", "/console/codes/details/", {"id": code_id}, code),
            ]
            targets.append((size, session, views))
            throughput_targets.append((size, base, token, views[2], views[3]))
        log(f"  timing {args.requests} rounds")
        rows = time_interleaved(targets, args.requests)
        log(f"  throughput: {args.clients} clients, {args.seconds} s each")
        rates = {(size, view[0]): throughput(base, token, view, args.clients, args.seconds)
                 for size, base, token, api_view, console_view in throughput_targets
                 for view in (api_view, console_view)}
    if not (args.keep_databases or args.reuse):
        for size in args.sizes:
            drop_database(args.pg_admin_url, f"bench_queues_{size}")
    table = markdown_table(rows, rates)
    verdicts = [verdict(f"{view} at {max(args.sizes):,} vs {min(args.sizes):,}",
                        rows[(max(args.sizes), view)].p50_ms / rows[(min(args.sizes), view)].p50_ms, 1.3)
                for view in API_VIEWS]
    print(table, "", *verdicts, sep="\n")
    if args.markdown:
        command = " ".join([".venv/bin/python -m bench.api", *(argv if argv is not None else sys.argv[1:])])
        write_markdown(Path(args.markdown), "The REST API at scale", command,
                       f"{measured_at()}, PostgreSQL 15, gunicorn {args.workers} workers, {args.requests} rounds, "
                       f"{args.clients} clients for throughput, on a 2-core machine shared with other work",
                       table, verdicts)
    return 0


def token_and_code(url: str) -> tuple[str, int, str]:
    """A token for the bench admin (through the service, as the console page makes one), and the newest code."""
    from backoffice import create_app
    from backoffice.extensions import db
    from backoffice.models import StaffUser
    from backoffice.security import Actor
    from backoffice.services import api_tokens
    from backoffice.services.api_scopes import allowed_scopes

    app = create_app(seed_app_config(url))
    with app.app_context():
        staff = db.session.query(StaffUser).filter_by(email=BENCH_STAFF_EMAIL).one()
        raw, _token = api_tokens.create_token(staff, "bench", allowed_scopes(staff.role), 1,
                                              Actor("staff", staff.id, staff.email))
    engine = create_engine(url)
    with engine.connect() as connection:
        code_id, code = connection.execute(text("SELECT id, code FROM activation_codes ORDER BY id DESC LIMIT 1")).one()
    engine.dispose()
    return raw, code_id, code


def throughput(base: str, token: str, view, clients: int, seconds: float) -> float:
    """Requests per second that `clients` threads get answered for one view (each its own session)."""
    _name, path, params, _expect = view
    sessions = []
    for _ in range(clients):
        session = ConsoleSession(base, timeout=60)
        session.sign_in(BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD)
        session.opener.addheaders = [("Authorization", f"Bearer {token}")]
        session.get(path, params)
        sessions.append(session)
    done, deadline = [0] * clients, time.monotonic() + seconds

    def run(index: int) -> None:
        while time.monotonic() < deadline:
            sessions[index].get(path, params)
            done[index] += 1

    threads = [threading.Thread(target=run, args=(index,)) for index in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started)


def markdown_table(rows: dict[tuple[int, str], Timing], rates: dict[tuple[int, str], float]) -> str:
    smallest = min(size for size, _ in rows)
    lines = ["| tickets | request | p50 ms | p95 ms | vs smallest | requests/s |", "|---|---|---|---|---|---|"]
    for (size, name), timing in rows.items():
        ratio = timing.p50_ms / rows[(smallest, name)].p50_ms
        rate = rates.get((size, name))
        lines.append(f"| {size:,} | {name} | {timing.p50_ms:.1f} | {timing.p95_ms:.1f} | {ratio:.2f}x | "
                     f"{f'{rate:.0f}' if rate else ''} |")
    return "\n".join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000", type=lambda v: [int(n) for n in v.split(",")],
                        help="ticket counts (2.5x as many codes); the smallest is the reference")
    parser.add_argument("--requests", type=int, default=30, help="timed rounds of every request")
    parser.add_argument("--clients", type=int, default=4, help="client threads for the throughput figure")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long each throughput run lasts")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--reuse", action="store_true", help="use a database an earlier run kept")
    parser.add_argument("--keep-databases", action="store_true")
    parser.add_argument("--markdown", help="also write the table and verdicts to this file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    report.log("bench.api")
    raise SystemExit(main())
