"""Closing an account costs the same number of statements whether it leaves one ticket or hundreds: the
anonymisation is set-based (services/account_erasure.py)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import event, func, insert, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import SupportRequestType, Ticket, TicketMessage
from backoffice.services.privacy import close_account
from tests.factories import PASSWORD
from tests.support.helpers import customer_actor

_batches = itertools.count(1)  # ticket numbers stay unique: SQLite gives a closed account's id to the next one


def customer_with_tickets(make, count: int):
    customer = make.customer()
    type_id = db.session.scalar(select(SupportRequestType.id).limit(1))
    now, batch = utcnow(), next(_batches)
    db.session.execute(insert(Ticket), [
        {"number": f"TS-{batch}-{n:06d}", "customer_id": customer.id, "draft_key": f"k{n}",
         "request_type_id": type_id, "subject": "Slow scan", "description": f"Mail me at {customer.email}",
         "status": "open", "priority": "normal", "created_at": now, "last_activity_at": now,
         "first_response_due_at": now + timedelta(hours=8), "resolution_due_at": now + timedelta(days=3),
         "paused_seconds": 0} for n in range(count)])
    ids = db.session.scalars(select(Ticket.id).where(Ticket.customer_id == customer.id)).all()
    db.session.execute(insert(TicketMessage), [
        {"ticket_id": ticket_id, "kind": "reply", "author_kind": "customer", "author_customer_id": customer.id,
         "author_label": customer.email, "body": "It is slow", "created_at": now} for ticket_id in ids])
    db.session.commit()
    return customer


def statements_to_close(customer) -> int:
    counted = []
    listener = lambda *args: counted.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        close_account(customer, PASSWORD, customer_actor(customer))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(counted)


def test_closing_an_account_with_many_tickets_runs_as_many_statements_as_with_one(app, make):
    one = statements_to_close(customer_with_tickets(make, 1))
    many = statements_to_close(customer_with_tickets(make, 300))
    assert many == one
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.customer_id.is_(None))) == 301
    assert db.session.scalar(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.author_label == "Former customer")) == 301
