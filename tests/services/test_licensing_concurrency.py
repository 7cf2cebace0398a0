"""The seat limit under real concurrency (PostgreSQL): 20 accounts add one 3-seat code at the same moment,
each through its own HTTP client, request context and database session. Exactly 3 succeed."""

from __future__ import annotations

import threading

import pytest

from backoffice.models import AuditEvent, CodeRegistration
from tests.licensing_helpers import active_holders, count, make_code

ACCOUNTS = 20
SEATS = 3


def test_twenty_concurrent_adds_of_a_three_seat_code_take_exactly_three_seats(
        postgres_only, app, make, sign_in_customer):
    fire_concurrent_adds(app, make, sign_in_customer)


def test_on_sqlite_the_conditional_update_alone_keeps_the_limit(app, make, sign_in_customer, backend):
    """SQLite has no row locks: the seat is taken by `UPDATE ... WHERE seats_taken < seats`, which SQLite runs
    under its database write lock, so the same 20 concurrent adds still take exactly 3 seats."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL has the row-lock test above")
    fire_concurrent_adds(app, make, sign_in_customer)


def fire_concurrent_adds(app, make, sign_in_customer):
    code = make_code(seats=SEATS)
    typed = code.code.lower()  # read here: the threads have no app context of this test
    clients = [sign_in_customer(app.test_client(), make.customer()) for _ in range(ACCOUNTS)]
    registrations_before, audit_before = count(CodeRegistration), count(AuditEvent)
    start = threading.Barrier(ACCOUNTS)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def add(client):
        start.wait()  # all threads post at once
        response = client.post("/codes/add", data={"code": typed})
        with lock:
            results.append((response.status_code, response.get_data(as_text=True)))

    threads = [threading.Thread(target=add, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == ACCOUNTS
    added = [html for status, html in results if status == 200 and "Activation code added" in html]
    seats_taken = [html for status, html in results if status == 422 and "Every seat of the activation code" in html]
    assert len(added) == SEATS
    assert len(seats_taken) == ACCOUNTS - SEATS
    from backoffice.extensions import db

    db.session.refresh(code)
    assert code.seats_taken == active_holders(code) == SEATS
    # nothing else was written: three holdings, three audit events
    assert count(CodeRegistration) - registrations_before == SEATS
    assert count(AuditEvent) - audit_before == SEATS
