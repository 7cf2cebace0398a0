"""The customer page benchmark's database: migrated with the project's migrations, then loaded in SQL.

Three customers are measured, in one database so that every other row is shared: `one@bench.example.com` with
1 of everything (ticket, code, Virus Lab request, note, security event), `many@bench.example.com` the same but
with 10,000 tickets, and `busy@bench.example.com` with 10,000 tickets, 50 codes, 500 Virus Lab requests, 300
notes and 2,000 security events (every list full: 20 rows each to render instead of 1). Around them,
BACKGROUND_CUSTOMERS customers own the rest of TICKETS tickets and a code each, so that the indexes the page
reads are of a realistic depth; the measured customers' tickets are spread over the whole history.
"""

from __future__ import annotations

import time

from flask_migrate import upgrade
from sqlalchemy import text

from backoffice import create_app
from backoffice.extensions import db
from backoffice.security import hash_password
from bench.pg import vacuum_analyze
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, seed_app_config

BACKGROUND_CUSTOMERS, TICKETS = 20_000, 200_000  # one in 20 tickets is many@'s, one in 20 busy@'s
ONE, MANY, BUSY = "one@bench.example.com", "many@bench.example.com", "busy@bench.example.com"
SHAPES = {ONE: {"tickets": 1, "codes": 1, "lab": 1, "notes": 1, "events": 1},
          MANY: {"tickets": 10_000, "codes": 1, "lab": 1, "notes": 1, "events": 1},
          BUSY: {"tickets": 10_000, "codes": 50, "lab": 500, "notes": 300, "events": 2_000}}

TICKETS_SQL = """
INSERT INTO tickets (number, customer_id, draft_key, request_type_id, product_id, subject, description, status,
    priority, created_at, last_activity_at, first_response_due_at, resolution_due_at, resolved_at, closed_at,
    paused_seconds)
SELECT 'TS-2025-' || lpad(i::text, 7, '0'),
       CASE WHEN i = :count / 2 + 1 THEN :one WHEN i % :every = 0 THEN :many WHEN i % :every = :every / 2 THEN :busy
            ELSE 1 + (i::bigint * 7919) % :customers END, 'bench-' || i,
       1 + i % 8, 1 + i % 5, 'Update fails ' || i, 'The product shows an error when updating.',
       CASE WHEN i % 10 = 0 THEN 'new' ELSE 'closed' END, 'normal', created, created, created + interval '8 hours',
       created + interval '72 hours', CASE WHEN i % 10 <> 0 THEN created + interval '1 day' END,
       CASE WHEN i % 10 <> 0 THEN created + interval '8 days' END, 0
FROM generate_series(1, :count) AS i, LATERAL (SELECT now() - ((:count - i) * interval '20 seconds') AS created) c
"""

# codes: 20 hex digits of md5, upper case, in the canonical 4x5 shape (hex is inside the code alphabet)
CODES_SQL = """
INSERT INTO activation_codes (code, product_id, seats, seats_taken, valid_from, expires_at, extra_transfers,
    created_at)
SELECT substr(h, 1, 5) || '-' || substr(h, 6, 5) || '-' || substr(h, 11, 5) || '-' || substr(h, 16, 5),
       1 + i % 5, 3, 1, now() - interval '30 days', now() + interval '335 days', 0, now()
FROM generate_series(1, :count) AS i, LATERAL (SELECT upper(md5(:salt || i::text)) AS h) x
"""


def prepare(url: str, log) -> int:
    """Migrate and load; returns the measured customers' ids by e-mail."""
    app = create_app(seed_app_config(url))
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        password_hash = hash_password(BENCH_STAFF_PASSWORD)
        run = db.session.execute
        run(text("INSERT INTO staff_users (email, name, role, password_hash, is_active, session_epoch, "
                 "failed_logins, created_at) VALUES (:e, 'Bench Admin', 'admin', :h, true, 'bench', 0, now())"),
            {"e": BENCH_STAFF_EMAIL, "h": password_hash})
        run(text("INSERT INTO customers (email, password_hash, status, session_epoch, failed_logins, name, "
                 "news_subscribed, created_at) SELECT 'customer' || n || '@bench.example.com', :h, 'active', "
                 "md5(n::text), 0, 'Customer ' || n, false, now() FROM generate_series(1, :n) AS n"),
            {"h": password_hash, "n": BACKGROUND_CUSTOMERS})
        run(text("INSERT INTO products (name, created_at) SELECT 'Product ' || n, now() FROM generate_series(1, 5) n"))
        run(text(CODES_SQL), {"count": BACKGROUND_CUSTOMERS, "salt": "background"})
        run(text("INSERT INTO code_registrations (code_id, customer_id, added_at, is_transfer) "
                 "SELECT id, id, now(), false FROM activation_codes"))  # customer n holds code n
        ids = {email: _load_subject(email, shape, password_hash) for email, shape in SHAPES.items()}
        # the measured customers' tickets among everyone's, spread over the whole history (not a block at the end)
        run(text(TICKETS_SQL), {"one": ids[ONE], "many": ids[MANY], "busy": ids[BUSY],
                                "every": TICKETS // SHAPES[MANY]["tickets"], "customers": BACKGROUND_CUSTOMERS,
                                "count": TICKETS})
        db.session.commit()
        log(f"  loaded in {time.perf_counter() - started:.1f}s")
        db.session.remove()
        db.engine.dispose()
    for table in ("tickets", "activation_codes", "code_registrations", "viruslab_submissions", "audit_events",
                  "customer_notes", "customers"):
        vacuum_analyze(url, table)
    return ids


def _load_subject(email: str, shape: dict, password_hash: str) -> int:
    run = db.session.execute
    customer_id = db.session.scalar(text(
        "INSERT INTO customers (email, password_hash, status, session_epoch, failed_logins, name, news_subscribed, "
        "created_at) VALUES (:e, :h, 'active', 'bench', 0, :name, false, now()) RETURNING id"),
        {"e": email, "h": password_hash, "name": email.split("@")[0].capitalize()})
    tag = email.split("@")[0].upper()
    first_code = db.session.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM activation_codes"))
    run(text(CODES_SQL), {"count": shape["codes"], "salt": tag})
    run(text("INSERT INTO code_registrations (code_id, customer_id, added_at, is_transfer) "
             "SELECT id, :c, now(), false FROM activation_codes WHERE id >= :first"), {"c": customer_id,
                                                                                     "first": first_code})
    run(text("INSERT INTO blacklist_entries (code_id, reason, created_by_label, created_at) "
             "VALUES (:code, 'leaked', 'bench', now())"), {"code": first_code})
    run(text("INSERT INTO viruslab_submissions (number, customer_id, request_type, description, product, "
             "last_update_date, email, state, created_at) SELECT 'VL-20260101-' || :tag || lpad(i::text, 5, '0'), "
             ":c, 'unknown_malware', 'Suspicious file', 'Anti-Virus', current_date, :e, 'waiting', now() "
             "FROM generate_series(1, :n) AS i"), {"tag": tag[:4], "c": customer_id, "e": email, "n": shape["lab"]})
    run(text("INSERT INTO customer_notes (customer_id, author_label, body, created_at) SELECT :c, 'bench', "
             "'Called about the renewal, note ' || i, now() FROM generate_series(1, :n) AS i"),
        {"c": customer_id, "n": shape["notes"]})
    run(text("INSERT INTO audit_events (created_at, actor_type, actor_id, action, object_type, object_id, ip) "
             "SELECT now() - i * interval '1 minute', 'customer', :c, 'customer.login', 'customers', :oid, "
             "'192.0.2.1' FROM generate_series(1, :n) AS i"), {"c": customer_id, "oid": str(customer_id),
                                                                "n": shape["events"]})
    return customer_id
