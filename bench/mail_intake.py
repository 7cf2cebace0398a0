"""Incoming mail: messages per second through the intake (store raw, record, parse, thread, add the reply)
against a plain parse of the same messages, and the intake's time with 2M tickets against 10k (target <= 1.3x).

```sh
.venv/bin/python -m bench.mail_intake --sizes 10000,2000000 --messages 300 --markdown bench/RESULTS-mail_intake.md
.venv/bin/python -m bench.mail_intake --sizes 1000,20000 --messages 60      # a quick check (about a minute)
```

Per size, a fresh PostgreSQL database `bench_mail_<size>` (dropped at the end unless --keep-databases), migrated
with the project's migrations and loaded in SQL: 20,000 customers, the tickets of bench/queues_seed.py (5%
active) and one outbox message per ticket carrying its Message-ID, as the outgoing half records them. The
messages are replies of the tickets' own customers to active tickets, a third each threaded by the reply
address, by In-Reply-To (an outbox Message-ID) and by the request number in the subject, shaped like Gmail,
Outlook, Apple Mail and Thunderbird. Each is handed to `receive` (blob store, record, job; committed) and its
job's `process` runs at once, in-process, as the worker would. Rounds interleave the sizes so that load from
elsewhere on a shared machine slows them alike; the table gives p50/p95 per message and messages per second.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from email import message_from_bytes, policy
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from backoffice import create_app
from backoffice.extensions import db
from bench.pg import PG_ADMIN_URL, database_url, drop_database, vacuum_analyze
from bench.queues_seed import CUSTOMERS, ENGINEERS, PRODUCTS, TICKETS_SQL
from bench.report import log, markdown_table, measured_at, verdict, write_markdown

# the tickets of the queue benchmark, without activation codes (which this benchmark does not load)
TICKETS_WITHOUT_CODES_SQL = TICKETS_SQL.replace("CASE WHEN i % 2 = 0 THEN 1 + (i::bigint * 7919) % :customers END,",
                                                "NULL,")
assert TICKETS_WITHOUT_CODES_SQL != TICKETS_SQL
OUTBOX_SQL = """
INSERT INTO outbox_messages (to_addr, subject, body_text, template, status, message_id, ticket_id, created_at)
SELECT 'customer' || t.customer_id || '@bench.example.com', 'Reply to ' || t.number, 'Our answer.', 'ticket_reply',
       'sent', '<ticket-' || t.id || '.bench@example.com>', t.id, t.created_at
FROM tickets t
"""


def app_config(url: str, storage: str) -> dict:
    return {"SECRET_KEY": "bench-mail", "SQLALCHEMY_DATABASE_URI": url, "STORAGE_DIR": storage,
            "PUBLIC_URL": "http://portal.example.com", "MAIL_FROM": "Support <support@example.com>"}


def load(url: str, tickets: int) -> None:
    app = create_app(app_config(url, "/nonexistent"))
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        db.session.execute(text(
            "INSERT INTO staff_users (email, name, role, password_hash, is_active, session_epoch, failed_logins, "
            "created_at) SELECT 'engineer' || n || '@example.com', 'Engineer ' || n, 'support', 'x', true, "
            "md5(n::text), 0, now() FROM generate_series(1, :engineers) AS n"), {"engineers": ENGINEERS})
        db.session.execute(text(
            "INSERT INTO customers (email, password_hash, status, session_epoch, failed_logins, name, "
            "news_subscribed, created_at) SELECT 'customer' || n || '@bench.example.com', 'x', 'active', "
            "md5(n::text), 0, 'Customer ' || n, false, now() FROM generate_series(1, :customers) AS n"),
            {"customers": CUSTOMERS})
        db.session.execute(text("INSERT INTO products (name, created_at) SELECT 'Product ' || n, now() "
                                "FROM generate_series(1, :products) AS n"), {"products": PRODUCTS})
        first_staff = db.session.scalar(text("SELECT min(id) FROM staff_users"))
        db.session.execute(text(TICKETS_WITHOUT_CODES_SQL),
                           {"count": tickets, "customers": CUSTOMERS, "products": PRODUCTS, "engineers": ENGINEERS,
                            "first_staff": first_staff})
        db.session.execute(text(OUTBOX_SQL))
        db.session.commit()
        log(f"  loaded {tickets:,} tickets and their outbox messages in {time.perf_counter() - started:.1f}s")
        db.session.remove()
        db.engine.dispose()
    for table in ("tickets", "outbox_messages", "customers"):
        vacuum_analyze(url, table)


def build_messages(app, count: int, seed: int) -> list[bytes]:
    """Replies of the tickets' own customers to active tickets: reply address, In-Reply-To, subject number."""
    from backoffice.services.support.reply_address import reply_address
    from tests.mail_intake import messages

    clients = [messages.gmail_reply, messages.outlook_reply, messages.apple_reply, messages.thunderbird_reply]
    with app.app_context():
        rows = db.session.execute(text(
            "SELECT t.id, t.number, c.email FROM tickets t JOIN customers c ON c.id = t.customer_id "
            "WHERE t.status IN ('new', 'open', 'waiting') ORDER BY t.id")).all()
        rng = random.Random(seed)
        chosen = [rng.choice(rows) for _ in range(count)]
        built = []
        for n, (ticket_id, number, email) in enumerate(chosen):
            client = clients[n % 4]
            text_ = f"Still failing after the update (try {n}, bench {seed})."
            if n % 3 == 0:
                mail = client(email, reply_address(ticket_id), "Re: your request", text_)
            elif n % 3 == 1:
                mail = client(email, "support@example.com", "Re: your request", text_,
                              in_reply_to=f"<ticket-{ticket_id}.bench@example.com>")
            else:
                mail = client(email, "support@example.com", f"Re: Request {number}", text_)
            built.append(messages.wire(mail))
        db.session.remove()
    return built


def plain_parse(raw: bytes) -> None:
    message = message_from_bytes(raw, policy=policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        body.get_content()


def through_intake(app, raw: bytes) -> str:
    from backoffice.services.mail_intake.intake import process
    from backoffice.services.mail_intake.receive import receive

    with app.app_context():
        inbound = process(receive(raw, "lmtp").inbound_id)
        outcome = inbound.outcome
        db.session.remove()
    return outcome


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--sizes", default="10000,2000000", help="ticket counts, comma-separated")
    parser.add_argument("--messages", type=int, default=300, help="messages per size (per round: a tenth)")
    parser.add_argument("--pg-admin-url", default=PG_ADMIN_URL)
    parser.add_argument("--keep-databases", action="store_true")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    apps, inputs, storages = {}, {}, []
    for size in sizes:
        name = f"bench_mail_{size}"
        log(f"database {name}")
        drop_database(args.pg_admin_url, name, create_again=True)
        url = database_url(args.pg_admin_url, name).replace("postgresql://", "postgresql+psycopg://", 1)
        load(url, size)
        storage = tempfile.mkdtemp(prefix=f"bench-mail-{size}-")
        storages.append(storage)
        apps[size] = create_app(app_config(url, storage))
        inputs[size] = build_messages(apps[size], args.messages, seed=size)
    timings = {size: [] for size in sizes}
    parse_timings: list[float] = []
    outcomes: dict[str, int] = {}
    rounds = 10
    per_round = max(1, args.messages // rounds)
    for round_ in range(rounds):
        for size in sizes:
            for raw in inputs[size][round_ * per_round:(round_ + 1) * per_round]:
                started = time.perf_counter()
                outcome = through_intake(apps[size], raw)
                timings[size].append(time.perf_counter() - started)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                started = time.perf_counter()
                plain_parse(raw)
                parse_timings.append(time.perf_counter() - started)
    rows = []
    for size in sizes:
        values = timings[size]
        rows.append([f"intake, {size:,} tickets", f"{percentile(values, 0.5) * 1000:.1f}",
                     f"{percentile(values, 0.95) * 1000:.1f}", f"{len(values) / sum(values):.1f}"])
    rows.append(["plain parse (email, policy.default)", f"{percentile(parse_timings, 0.5) * 1000:.2f}",
                 f"{percentile(parse_timings, 0.95) * 1000:.2f}", f"{len(parse_timings) / sum(parse_timings):.0f}"])
    table = markdown_table(["what", "p50 ms", "p95 ms", "messages/s"], "lrrr", rows)
    small, large = min(sizes), max(sizes)
    ratio = statistics.median(timings[large]) / statistics.median(timings[small])
    verdicts = [verdict(f"intake p50 at {large:,} tickets against {small:,}", ratio, 1.3, digits=2),
                f"outcomes: {', '.join(f'{name} {count}' for name, count in sorted(outcomes.items()))}",
                f"intake against a plain parse (p50): "
                f"{statistics.median(timings[small]) / statistics.median(parse_timings):.0f}x"]
    print(table)
    print("\n".join(verdicts))
    if args.markdown:
        command = "python -m bench.mail_intake " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in (("sizes", args.sizes), ("messages", args.messages)))
        write_markdown(args.markdown, "Mail intake", command, measured_at(), table, verdicts)
    for app in apps.values():
        with app.app_context():
            db.engine.dispose()
    if not args.keep_databases:
        for size in sizes:
            drop_database(args.pg_admin_url, f"bench_mail_{size}")
    import shutil

    for storage in storages:
        shutil.rmtree(storage, ignore_errors=True)


if __name__ == "__main__":
    main()
