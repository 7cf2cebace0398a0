"""The ticket benchmark's database: migrated with the project's migrations, then N tickets made in SQL.

PostgreSQL builds the rows itself (INSERT ... SELECT over generate_series), with every index of the model and
the full-text index of migration 0005 in place while loading, as in production. Shape: 20,000 customers,
20 products, 20 engineers (the bench admin is one of them), 8 queues; 5% of tickets active (new 2%, open 2%,
waiting 1%), 5% resolved, 90% closed; one ticket in 100 mentions "kernelpanic". The bench admin holds a
quarter of the assigned tickets. Each measured list fills its first page at every size (10k included), so
the sizes compare the database's work, not pages of 12 rows against pages of 50. Activation codes, the
tickets' codes and the ticket page's 30 messages: bench/queues_codes_seed.py.
"""

from __future__ import annotations

import time

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from backoffice import create_app
from backoffice.extensions import db
from backoffice.security import hash_password
from bench.pg import vacuum_analyze
from bench.queues_codes_seed import load_codes, load_messages
from bench.server import BENCH_STAFF_EMAIL, BENCH_STAFF_PASSWORD, seed_app_config

CUSTOMERS, PRODUCTS, ENGINEERS = 20_000, 20, 20
RARE_WORD = "kernelpanic"

TICKETS_SQL = """
INSERT INTO tickets (number, customer_id, draft_key, request_type_id, product_id, subject, description, os_name,
    product_version, status, priority, assignee_id, activation_code_id, created_at, last_activity_at,
    first_response_due_at, resolution_due_at, first_response_at, waiting_since, paused_seconds, resolved_at, closed_at)
SELECT 'TS-2025-' || lpad(i::text, 7, '0'),
       1 + (i::bigint * 7919) % :customers,
       'bench-' || i,
       1 + (i * 5) % 8,
       1 + i % :products,
       (ARRAY['Update fails','Scanner crashes','Licence expired','Setup stops','Slow computer','Firewall blocks',
              'Key lost','Renewal price'])[1 + i % 8] || ' ' || (ARRAY['again','today','after restart',
              'on Windows 11','since update','with error'])[1 + i % 6],
       'The product shows an error when ' || (ARRAY['updating','scanning','installing','activating'])[1 + i % 4]
         || '. Version ' || (i % 30) || '.' || (i % 7) || ' on computer ' || (i % 997)
         || CASE WHEN i % 100 = 0 THEN ' kernelpanic in the logs.' ELSE '.' END,
       'Windows 11', '21.3.10.391', st.status,
       (ARRAY['low','normal','normal','normal','high','urgent'])[1 + i % 6],
       CASE WHEN st.status = 'new' OR i % 10 IN (1, 2) THEN NULL WHEN i % 4 = 0 THEN :first_staff
            ELSE :first_staff + 1 + (i / 100) % (:engineers - 1) END,
       CASE WHEN i % 2 = 0 THEN 1 + (i::bigint * 7919) % :customers END,
       created, created + interval '1 hour',
       created + interval '8 hours', created + interval '72 hours',
       CASE WHEN st.status = 'new' THEN NULL ELSE created + interval '2 hours' END,
       CASE WHEN st.status = 'waiting' THEN created + interval '3 hours' END, 0,
       CASE WHEN st.status IN ('resolved', 'closed') THEN created + interval '1 day' END,
       CASE WHEN st.status = 'closed' THEN created + interval '8 days' END
FROM generate_series(1, :count) AS i,
     LATERAL (SELECT now() - ((:count - i) * interval '20 seconds') AS created) AS c,
     LATERAL (SELECT CASE WHEN i % 100 < 2 THEN 'new' WHEN i % 100 < 4 THEN 'open'
                          WHEN i % 100 < 5 THEN 'waiting' WHEN i % 100 < 10 THEN 'resolved'
                          ELSE 'closed' END AS status) AS st
"""


def codes_for(tickets: int) -> int:
    """5M codes beside 2M tickets (the issue's shape), and never fewer than the customers hold."""
    return max(tickets * 5 // 2, CUSTOMERS * 3)


def prepare(url: str, tickets: int, log, codes: int | None = None) -> int:
    """Migrate and load; returns the bench admin's staff id (an engineer with tickets of its own)."""
    codes = codes or codes_for(tickets)
    app = create_app(seed_app_config(url))
    with app.app_context():
        upgrade(revision="heads")
        started = time.perf_counter()
        password_hash = hash_password(BENCH_STAFF_PASSWORD)
        db.session.execute(text(
            "INSERT INTO staff_users (email, name, role, password_hash, is_active, session_epoch, failed_logins, "
            "created_at) SELECT CASE WHEN n = 1 THEN :admin ELSE 'engineer' || n || '@example.com' END, "
            "'Engineer ' || n, CASE WHEN n = 1 THEN 'admin' ELSE 'support' END, :hash, true, md5(n::text), 0, now() "
            "FROM generate_series(1, :engineers) AS n"),
            {"admin": BENCH_STAFF_EMAIL, "hash": password_hash, "engineers": ENGINEERS})
        db.session.execute(text(
            "INSERT INTO customers (email, password_hash, status, session_epoch, failed_logins, name, "
            "news_subscribed, created_at) SELECT 'customer' || n || '@bench.example.com', :hash, 'active', "
            "md5(n::text), 0, 'Customer ' || n, false, now() FROM generate_series(1, :customers) AS n"),
            {"hash": password_hash, "customers": CUSTOMERS})
        db.session.execute(text("INSERT INTO products (name, created_at) SELECT 'Product ' || n, now() "
                                "FROM generate_series(1, :products) AS n"), {"products": PRODUCTS})
        first_staff = db.session.scalar(text("SELECT min(id) FROM staff_users"))
        load_codes(db.session, codes, CUSTOMERS, PRODUCTS)
        db.session.execute(text(TICKETS_SQL), {"count": tickets, "customers": CUSTOMERS, "products": PRODUCTS,
                                               "engineers": ENGINEERS, "first_staff": first_staff})
        load_messages(db.session, tickets, first_staff)
        db.session.commit()
        log(f"  loaded {codes:,} codes and {tickets:,} tickets in {time.perf_counter() - started:.1f}s")
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        admin_id = db.session.scalar(text("SELECT id FROM staff_users WHERE email = :e"), {"e": BENCH_STAFF_EMAIL})
        db.session.remove()
        db.engine.dispose()
    for table in ("tickets", "activation_codes", "code_registrations"):
        vacuum_analyze(url, table)  # sets the visibility map, so index-only scans skip the heap
    return admin_id


def loaded_staff_id(url: str, tickets: int, codes: int | None = None) -> int | None:
    """The bench admin's id when the database already holds exactly `tickets` tickets (and their codes), else
    None."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT count(*) FROM tickets")) != tickets:
                return None
            if connection.scalar(text("SELECT count(*) FROM activation_codes")) != (codes or codes_for(tickets)):
                return None
            return connection.scalar(text("SELECT id FROM staff_users WHERE email = :e"), {"e": BENCH_STAFF_EMAIL})
    except Exception:  # no such database (or no schema yet): load it
        return None
    finally:
        engine.dispose()
