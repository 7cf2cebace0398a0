"""The floor benchmark's database: migrated with the project's migrations, then every big table the console
lists filled with N rows (COPY on PostgreSQL, batched INSERTs on SQLite), with every index of the schema in place
while loading (and SQLite's full-text triggers), as in production.

Shape at N: N customers (bench/console_seed.py's rows), N tickets (one message each) over 8 queues, N activation
codes (half of them held, one in 50 blacklisted), N Virus Lab samples and N requests, N audit events, N outbox
messages and N jobs; 20 products, the bench admin and 9 engineers. The measured ticket (the newest) has 30
messages with an attachment each; the measured customer is that ticket's customer.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta

from flask_migrate import upgrade
from psycopg.types.json import JsonDumper
from sqlalchemy import insert, text

from backoffice import create_app
from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.security import hash_password
from bench.console_seed import BATCH, customer_rows, search_terms
from bench.console_seed import COLUMNS as CUSTOMER_COLUMNS
from bench.pg import vacuum_analyze
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, seed_app_config

PRODUCTS, ENGINEERS, THREAD = 20, 10, 30
TABLES = ("customers", "tickets", "ticket_messages", "ticket_attachments", "activation_codes", "code_registrations",
          "blacklist_entries", "samples", "viruslab_submissions", "audit_events", "outbox_messages", "jobs")
TICKET_STATES = ["new", "new", "open", "open", "waiting"] + ["resolved"] * 5 + ["closed"] * 90
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]
LAB_STATES = ["waiting", "waiting", "answered", "answered", "answered", "closed", "closed", "closed", "received",
              "analysis_failed"]
VERDICTS = ["malicious", "pua", "clean", None, "false_positive"]


def prepare(backend: str, url: str, size: int, log) -> dict:
    """Migrate and load `size` rows a table; returns what the measured pages need (search terms, ids)."""
    app = create_app(seed_app_config(url))
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        admin_id = _staff()
        now = utcnow()
        copy("customers", CUSTOMER_COLUMNS, customer_rows(size))
        copy("activation_codes", ("id", "code", "product_id", "seats", "seats_taken", "valid_from", "expires_at",
                                  "extra_transfers", "created_at"), _codes(size, now))
        copy("code_registrations", ("code_id", "customer_id", "added_at", "is_transfer"),
             ((n, n, now - timedelta(days=200), False) for n in range(1, size // 2 + 1)))
        copy("blacklist_entries", ("code_id", "reason", "note", "created_by_label", "created_at"),
             ((n, "fraud", "Bench: card reported stolen", "bench", now - timedelta(days=5))
              for n in range(7, size + 1, 50)))
        copy("tickets", TICKET_COLUMNS, _tickets(size, admin_id, now))
        copy("ticket_messages", MESSAGE_COLUMNS, _messages(size, admin_id, now))
        copy("ticket_attachments", ("ticket_id", "message_id", "sha256", "filename", "size", "content_type",
                                    "source", "created_at", "check_state", "risk"),
             ((size, size + m, hashlib.sha256(b"%d" % m).hexdigest(), f"log-{m}.txt", 2048, "text/plain", "web",
               now, "scanned", "ordinary") for m in range(1, THREAD + 1)))
        copy("samples", ("id", "sha256", "md5", "sha1", "sha512", "size", "file_type", "archive_state", "verdict",
                         "detection_name", "first_seen_at"), _samples(size, now))
        copy("viruslab_submissions", ("number", "customer_id", "request_type", "description", "product",
                                      "last_update_date", "email", "file_name", "sample_id", "state", "created_at"),
             _submissions(size, now))
        copy("audit_events", ("created_at", "actor_type", "actor_id", "actor_label", "action", "object_type",
                              "object_id", "ip"), _audit(size, admin_id, now))
        copy("jobs", ("kind", "payload", "state", "attempts", "run_after", "created_at", "finished_at", "last_error"),
             _jobs(size, now))
        copy("outbox_messages", ("to_addr", "subject", "body_text", "template", "status", "created_at", "sent_at"),
             _outbox(size, now))
        if backend == "postgresql":
            for table in ("activation_codes", "samples"):  # rows copied with their ids: the sequences move past
                db.session.execute(text(f"SELECT setval('{table}_id_seq', :n)"), {"n": size})
        db.session.commit()
        log(f"  loaded {size:,} rows a table in {time.perf_counter() - started:.1f}s ("
            + ", ".join(f"{table} {seconds:.1f}s" for table, seconds in COPY_SECONDS.items()) + ")")
        terms = _measured_terms(size)
        db.session.remove()
        db.engine.dispose()
    started = time.perf_counter()
    _refresh_statistics(backend, url, app)
    log(f"  statistics refreshed in {time.perf_counter() - started:.1f}s")
    return terms


def measured_terms(url: str, size: int) -> dict:
    """What the measured pages need from a database loaded earlier (bench runs with --keep-databases), brought
    up to the code's schema first (migrations since the load add tables and columns, not rows)."""
    app = create_app(seed_app_config(url))
    with app.app_context():
        upgrade(revision="heads")
        terms = _measured_terms(size)
        db.session.remove()
        db.engine.dispose()
    return terms


def _measured_terms(size: int) -> dict:
    terms = search_terms()
    terms.update(ticket=ticket_number(size), customer_id=db.session.scalar(
        text("SELECT customer_id FROM tickets WHERE number = :n"), {"n": ticket_number(size)}))
    return terms


def _refresh_statistics(backend: str, url: str, app) -> None:
    """What autovacuum (PostgreSQL: VACUUM also sets the visibility map, so index-only scans skip the heap) and
    `PRAGMA optimize` (SQLite) do on a live system after a bulk load."""
    if backend == "postgresql":
        for table in TABLES:
            vacuum_analyze(url, table)
        return
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
        db.engine.dispose()


def ticket_number(size: int) -> str:
    """The measured ticket: the newest, with its 30-message thread."""
    return f"TS-2025-{size:07d}"


COPY_SECONDS: dict[str, float] = {}  # what each table's COPY took, for the log


def copy(table: str, columns: Iterable[str], rows: Iterator[tuple]) -> None:
    """Load the rows into `table` inside the session's transaction (committed with the rest): COPY on
    PostgreSQL (a dict is written as JSON), INSERTs of BATCH rows through the column types on SQLite."""
    started = time.perf_counter()
    if db.engine.dialect.name == "postgresql":
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cursor:
            cursor.adapters.register_dumper(dict, JsonDumper)
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as stream:
                for row in rows:
                    stream.write_row(row)
    else:
        statement, batch = insert(db.metadata.tables[table]), []
        for row in rows:
            batch.append(dict(zip(columns, row, strict=True)))
            if len(batch) == BATCH:
                db.session.execute(statement, batch)
                batch = []
        if batch:
            db.session.execute(statement, batch)
    COPY_SECONDS[table] = time.perf_counter() - started


def _staff() -> int:
    """The bench admin (the first staff id) and the engineers after it; the products. Returns the admin's id."""
    now, password_hash = utcnow(), hash_password(BENCH_STAFF_PASSWORD)
    copy("staff_users", ("email", "name", "role", "password_hash", "is_active", "session_epoch", "failed_logins",
                         "created_at"),
         ((BENCH_STAFF_EMAIL if n == 1 else f"engineer{n}@example.com", "Bench Admin" if n == 1 else f"Engineer {n}",
           "admin" if n == 1 else "analyst" if n % 3 == 0 else "support", password_hash, True,
           hashlib.md5(b"%d" % n).hexdigest(), 0, now) for n in range(1, ENGINEERS + 1)))
    copy("products", ("name", "created_at"), ((f"Product {n}", now) for n in range(1, PRODUCTS + 1)))
    return db.session.scalar(text("SELECT id FROM staff_users WHERE email = :e"), {"e": BENCH_STAFF_EMAIL})


def _codes(size: int, now) -> Iterator[tuple]:
    for n in range(1, size + 1):
        digits = f"{n:020d}"
        expires = now - timedelta(days=10) if n % 10 == 3 else now + timedelta(days=12 if n % 10 == 4 else 300)
        yield (n, "-".join(digits[i:i + 5] for i in range(0, 20, 5)), 1 + n % PRODUCTS, 1 + n % 3,
               1 if n <= size // 2 else 0, now - timedelta(days=400), expires, 0, now - timedelta(days=400))


TICKET_COLUMNS = ("number", "customer_id", "draft_key", "request_type_id", "product_id", "subject", "description",
                  "os_name", "product_version", "status", "priority", "assignee_id", "activation_code_id",
                  "created_at", "last_activity_at", "first_response_due_at", "resolution_due_at", "first_response_at",
                  "waiting_since", "paused_seconds", "resolved_at", "closed_at", "customer_wrote_at",
                  "unanswered_since")
SUBJECTS = ["Update fails", "Scanner crashes", "Licence expired", "Setup stops", "Slow computer", "Firewall blocks"]


def _tickets(size: int, admin_id: int, now) -> Iterator[tuple]:
    for i in range(1, size + 1):
        status = TICKET_STATES[i % 100]
        created = now - timedelta(seconds=(size - i) * 20)
        customer = 1 + (i * 7919) % size
        assignee = None if status == "new" or i % 10 in (1, 2) else admin_id + (i % ENGINEERS if i % 4 else 0)
        done = status in ("resolved", "closed")
        yield (ticket_number(i), customer, f"bench-{i}", 1 + (i * 5) % 8, 1 + i % PRODUCTS,
               f"{SUBJECTS[i % 6]} {i}", f"The product shows an error on computer {i % 997}.", "Windows 11",
               "21.3.10.391", status, PRIORITIES[i % 6], assignee,
               customer if customer <= size // 2 and i % 2 == 0 else None, created, created + timedelta(hours=1),
               created + timedelta(hours=8), created + timedelta(hours=72),
               None if status == "new" else created + timedelta(hours=2),
               created + timedelta(hours=3) if status == "waiting" else None, 0,
               created + timedelta(days=1) if done else None,
               created + timedelta(days=8) if status == "closed" else None,
               created, created if status in ("new", "open") else None)


MESSAGE_COLUMNS = ("ticket_id", "kind", "author_kind", "author_customer_id", "author_staff_id", "author_label", "body",
                   "created_at")
BODY = "A line of the conversation about the key file. " * 6


def _messages(size: int, admin_id: int, now) -> Iterator[tuple]:
    """One customer message a ticket (ids 1..size), then the measured ticket's thread (ids size+1..size+30)."""
    for i in range(1, size + 1):
        yield (i, "reply", "customer", 1 + (i * 7919) % size, None, "Customer", BODY,
               now - timedelta(seconds=(size - i) * 20))
    customer = 1 + (size * 7919) % size
    for m in range(1, THREAD + 1):
        staff = m % 2 == 0
        yield (size, "note" if m % 10 == 0 else "reply", "staff" if staff else "customer",
               None if staff else customer, admin_id if staff else None, f"Bench author {m}", BODY,
               now + timedelta(minutes=m - THREAD - 1))


def _samples(size: int, now) -> Iterator[tuple]:
    for n in range(1, size + 1):
        data = b"sample %d" % n
        verdict = VERDICTS[n % 5]
        yield (n, hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), hashlib.sha1(data).hexdigest(),
               hashlib.sha512(data).hexdigest(), 1024 + n % 100_000, "PE32 executable (GUI) Intel 80386",
               "not_archive", verdict, f"Trojan.Bench.{n % 977}" if verdict in ("malicious", "pua") else None,
               now - timedelta(seconds=(size - n) * 30))


def _submissions(size: int, now) -> Iterator[tuple]:
    for n in range(1, size + 1):
        created = now - timedelta(seconds=(size - n) * 30)
        customer = 1 + (n * 104729) % size
        yield (f"VL-{created:%Y%m%d}-{n:08X}", customer, ("unknown_malware", "false_alarm")[n % 2],
               "Suspicious file from an e-mail", "Anti-Virus", created.date(), f"customer{customer}@scale.example.com",
               f"invoice-{n}.exe", n, LAB_STATES[n % 10], created)


def _audit(size: int, admin_id: int, now) -> Iterator[tuple]:
    for n in range(1, size + 1):
        staff = n % 3 == 0
        customer = 1 + (n * 15485863) % size
        yield (now - timedelta(seconds=(size - n) * 10), "staff" if staff else "customer",
               admin_id if staff else customer, BENCH_STAFF_EMAIL if staff else f"customer{customer}",
               "customer.update" if staff else "customer.login", "customers", str(customer), "192.0.2.1")


def _jobs(size: int, now) -> Iterator[tuple]:
    for n in range(1, size + 1):
        created = now - timedelta(seconds=(size - n) * 10)
        failed = n % 100 == 0
        yield ("mail.deliver", {"outbox_id": n}, "failed" if failed else "done", 5 if failed else 1,
               created, created, None if failed else created + timedelta(seconds=1),
               "SMTP: connection refused" if failed else None)


def _outbox(size: int, now) -> Iterator[tuple]:
    for n in range(1, size + 1):
        created = now - timedelta(seconds=(size - n) * 10)
        customer = 1 + (n * 7919) % size
        failed = n % 100 == 0
        yield (f"customer{customer}@scale.example.com", f"Your support request TS-2025-{n:07d}",
               "Thank you for writing to us.", "ticket_reply", "failed" if failed else "sent", created,
               None if failed else created + timedelta(seconds=1))
