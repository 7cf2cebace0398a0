"""Activation codes for the ticket benchmark, made in SQL before the tickets that point at them.

Shape: `codes` activation codes (5M beside 2M tickets in the issue's target), 20 products; each of the 20,000
customers holds 3 of them (the rest are stock nobody has registered, as most generated codes are), so a ticket
page's sidebar lists 3 codes at every size. One code in 50 is blacklisted, one in 10 expired, one in 10 expires
within a fortnight; a code with one seat that is held has no free seat. Every second ticket is about its
customer's first code (code id = customer id). The ticket the ticket-page timing opens has 30 messages.
"""

from __future__ import annotations

from sqlalchemy import text

HELD_PER_CUSTOMER = 3
MESSAGES = 30

CODES_SQL = """
INSERT INTO activation_codes (id, code, product_id, seats, seats_taken, valid_from, expires_at, extra_transfers,
    created_at)
SELECT n, substr(d, 1, 5) || '-' || substr(d, 6, 5) || '-' || substr(d, 11, 5) || '-' || substr(d, 16, 5),
       1 + n % :products, 1 + n % 3, CASE WHEN n <= :held THEN 1 ELSE 0 END,
       now() - interval '400 days',
       CASE WHEN n % 10 = 3 THEN now() - interval '10 days' WHEN n % 10 = 4 THEN now() + interval '12 days'
            ELSE now() + interval '300 days' END,
       0, now() - interval '400 days'
FROM generate_series(1, :codes) AS n, LATERAL (SELECT lpad(n::text, 20, '0') AS d) AS digits
"""

REGISTRATIONS_SQL = """
INSERT INTO code_registrations (code_id, customer_id, added_at, is_transfer)
SELECT n, 1 + (n - 1) % :customers, now() - interval '200 days' + (n % 1000) * interval '1 minute', false
FROM generate_series(1, :held) AS n
"""

BLACKLIST_SQL = """
INSERT INTO blacklist_entries (code_id, reason, note, created_by_label, created_at)
SELECT n, 'fraud', 'Bench: card reported stolen', 'bench', now() - interval '5 days'
FROM generate_series(7, :codes, 50) AS n
"""

MESSAGES_SQL = """
INSERT INTO ticket_messages (ticket_id, kind, author_kind, author_customer_id, author_staff_id, author_label, body,
    created_at)
SELECT t.id, CASE WHEN m % 10 = 0 THEN 'note' ELSE 'reply' END, CASE WHEN m % 2 = 0 THEN 'staff' ELSE 'customer' END,
       CASE WHEN m % 2 = 0 THEN NULL ELSE t.customer_id END, CASE WHEN m % 2 = 0 THEN :staff END,
       'Bench author ' || m, repeat('A line of the conversation about the key file. ', 8),
       t.created_at + m * interval '1 minute'
FROM tickets t, generate_series(1, :messages) AS m WHERE t.number = :number
"""


def load_codes(session, codes: int, customers: int, products: int) -> None:
    held = customers * HELD_PER_CUSTOMER
    if codes < held:
        raise ValueError(f"need at least {held:,} codes for {customers:,} customers holding {HELD_PER_CUSTOMER}")
    params = {"codes": codes, "held": held, "customers": customers, "products": products}
    session.execute(text(CODES_SQL), params)
    session.execute(text("SELECT setval('activation_codes_id_seq', :codes)"), params)
    session.execute(text(REGISTRATIONS_SQL), params)
    session.execute(text(BLACKLIST_SQL), params)


def page_ticket_number(tickets: int) -> str:
    """The newest ticket that is about a code (every second one is)."""
    return f"TS-2025-{tickets - tickets % 2:07d}"


def load_messages(session, tickets: int, staff_id: int) -> None:
    session.execute(text(MESSAGES_SQL), {"number": page_ticket_number(tickets), "messages": MESSAGES,
                                         "staff": staff_id})
