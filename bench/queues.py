"""Support ticket queues at scale, over HTTP, against a default Flask-Admin ModelView of Ticket.

    .venv/bin/python -m bench.queues                                  # 10k vs 200k tickets: a few minutes
    .venv/bin/python -m bench.queues --sizes 10000,2000000 --markdown bench/RESULTS-queues.md   # the issue's

For each size: a fresh PostgreSQL database (bench_queues_<size>), migrated with `upgrade heads`, loaded with N
tickets and 2.5 N activation codes (5M beside 2M; `--large-codes` sets the largest size's) by
bench/queues_seed.py, served by gunicorn (2 workers). One signed-in staff session then times, in interleaved
rounds, a queue's first page, a filtered queue, "My tickets" and a text search, each beside the same question
put to the baseline view; and, with no baseline, the ticket page (30 messages, a sidebar of the customer's
codes with their standing), all tickets with the code-standing column, and the "code problem: blacklisted"
filter; and each sort order of the queue (queue_sorting.SORTS, in its default direction): a queue's first page
and a deep page of all active tickets, reached through the keyset cursor (the DEEP_PAGE-th: the deepest that
the 10k database fills, which holds 500 active tickets). Targets: each at the largest size <= 1.3x its
smallest-size figure, and <= 0.25x the baseline at the largest size where there is one.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from backoffice.services.support import queues
from backoffice.services.support.queue_sorting import SORTS
from bench import report
from bench.http_timing import ConsoleSession, Timing, time_interleaved
from bench.pg import PG_ADMIN_URL, database_url, drop_database
from bench.queues_app import BASELINE_URL, create_bench_app, filter_params
from bench.queues_codes_seed import page_ticket_number
from bench.queues_seed import RARE_WORD, codes_for, loaded_staff_id, prepare
from bench.report import log, measured_at, verdict, write_markdown
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, gunicorn, seed_app_config

APP = "bench.queues_app:create_bench_app()"
ACTIVE = "new,open,waiting"
DEEP_PAGE = 10


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows: dict[tuple[int, str], Timing] = {}
    with tempfile.TemporaryDirectory(prefix="bench_queues_") as workdir, ExitStack() as servers:
        targets = []
        for size in args.sizes:
            log(f"PostgreSQL with {size:,} tickets")
            url = database_url(args.pg_admin_url, f"bench_queues_{size}")
            codes = args.large_codes if size == max(args.sizes) and args.large_codes else codes_for(size)
            staff_id = loaded_staff_id(url, size, codes) if args.reuse else None
            if staff_id is None:
                drop_database(args.pg_admin_url, f"bench_queues_{size}", create_again=True)
                staff_id = prepare(url, size, log, codes)
            else:
                log("  reusing the database loaded by an earlier --keep-databases run")
            base = servers.enter_context(gunicorn(url, Path(workdir) / f"instance-{size}", args.workers, APP))
            session = ConsoleSession(base, timeout=300)
            session.sign_in(BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD)
            targets.append((size, session, views(url, staff_id, size)))
        log(f"  timing {args.requests} rounds")
        rows = time_interleaved(targets, args.requests)
    if not (args.keep_databases or args.reuse):
        for size in args.sizes:
            drop_database(args.pg_admin_url, f"bench_queues_{size}")
    table, verdicts = markdown_table(rows), target_checks(rows, args.sizes)
    print(table, "", *verdicts, sep="\n")
    if args.markdown:
        command = " ".join([".venv/bin/python -m bench.queues", *(argv if argv is not None else sys.argv[1:])])
        write_markdown(Path(args.markdown), "Support ticket queues at scale", command,
                       f"{measured_at()}, PostgreSQL 15, gunicorn {args.workers} workers, {args.requests} rounds, "
                       "on a 2-core machine shared with other work", table, verdicts)
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,200000", type=lambda v: [int(n) for n in v.split(",")],
                        help="ticket counts; the smallest is the reference (the issue's target: 10000,2000000)")
    parser.add_argument("--large-codes", type=int, help="activation codes at the largest size (default 2.5x its "
                                                        "tickets: 5,000,000 beside 2,000,000)")
    parser.add_argument("--requests", type=int, default=30, help="measured rounds (after 3 warm-up requests)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL, help="a PostgreSQL URL allowed to create databases")
    parser.add_argument("--keep-databases", action="store_true", help="keep the loaded databases afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="time again over databases an earlier --keep-databases run loaded (and keep them)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", help="also write the table and verdicts to this file")
    return parser.parse_args(argv)


def views(url: str, staff_id: int, size: int) -> list[tuple[str, str, dict, str | None]]:
    """(name, path, query, text the page must show): each console view and the baseline's equivalent."""
    app = create_bench_app(seed_app_config(url))
    with app.app_context():
        def baseline(*filters):
            return filter_params(app, list(filters))

        active = ("status", "FilterInList", ACTIVE)
        queue = ("request_type_id", "IntEqualFilter", "1")
        return [
            ("queue", "/console/tickets/", {"queue": "general"}, "TS-2025-"),
            ("baseline queue", BASELINE_URL + "/", baseline(queue, active), "TS-2025-"),
            ("filtered queue", "/console/tickets/", {"queue": "general", "priority": "high"}, "TS-2025-"),
            ("baseline filtered queue", BASELINE_URL + "/",
             baseline(queue, active, ("priority", "FilterEqual", "high")), "TS-2025-"),
            ("my tickets", "/console/tickets/", {"view": "mine"}, "TS-2025-"),
            ("baseline my tickets", BASELINE_URL + "/",
             baseline(("assignee_id", "IntEqualFilter", str(staff_id)), active), "TS-2025-"),
            ("text search", "/console/tickets/", {"q": RARE_WORD, "status": "any"}, "TS-2025-"),
            ("baseline text search", BASELINE_URL + "/", {"search": RARE_WORD}, "TS-2025-"),
            ("ticket page", f"/console/tickets/{page_ticket_number(size)}", {}, "This ticket's code"),
            ("all tickets, code column", "/console/tickets/", {"status": "any"}, 'class="code-standing"><span'),
            ("code problem: blacklisted", "/console/tickets/", {"status": "any", "code_problem": "blacklisted"},
             "Blacklisted</span>"),
            *sorted_views(staff_id),
        ]


def sorted_views(staff_id: int) -> list[tuple[str, str, dict, str | None]]:
    """Each sort order's first page of a queue, and its DEEP_PAGE-th page of all active tickets: the cursor is
    found by walking the pages through the service, as the "Next page" links would."""
    found = []
    for key in SORTS:
        found.append((f"sort {key}: first page", "/console/tickets/", {"queue": "general", "sort": key}, "TS-2025-"))
        args = {"sort": key}
        for _ in range(DEEP_PAGE - 1):
            _, after = queues.page(queues.Filters.from_args(args), staff_id)
            if after is None:
                raise SystemExit(f"fewer than {DEEP_PAGE} pages of active tickets sorted by {key}")
            args["after"] = after
        found.append((f"sort {key}: page {DEEP_PAGE}", "/console/tickets/", dict(args), "TS-2025-"))
    return found


def markdown_table(rows: dict[tuple[int, str], Timing]) -> str:
    lines = []
    smallest = min(size for size, _ in rows)
    for (size, name), timing in rows.items():
        base = rows.get((size, f"baseline {name}"))
        small = rows.get((smallest, name))
        vs_base = f"{timing.p50_ms / base.p50_ms:.3f}x" if base and not name.startswith("baseline") else ""
        vs_small = f"{timing.p50_ms / small.p50_ms:.2f}x" if small and size != smallest else ""
        lines.append([f"{size:,}", name, f"{timing.p50_ms:.1f}", f"{timing.p95_ms:.1f}", vs_base, vs_small])
    return report.markdown_table(["tickets", "view", "p50 ms", "p95 ms", "p50 vs baseline", "p50 vs smallest size"],
                                 "rlrrrr", lines)


def target_checks(rows: dict[tuple[int, str], Timing], sizes: list[int]) -> list[str]:
    small, large = min(sizes), max(sizes)
    verdicts = []
    names = [name for size, name in rows if size == large and not name.startswith("baseline ")]
    for name in names:
        at_large, at_small = rows[(large, name)].p50_ms, rows[(small, name)].p50_ms
        if small != large:
            verdicts.append(verdict(f"{name} at {large:,} vs {small:,}", at_large / at_small, 1.3, digits=2))
        if (large, f"baseline {name}") in rows:
            baseline = rows[(large, f"baseline {name}")].p50_ms
            verdicts.append(verdict(f"{name} vs baseline at {large:,}", at_large / baseline, 0.25))
    return verdicts


if __name__ == "__main__":
    sys.exit(main())
