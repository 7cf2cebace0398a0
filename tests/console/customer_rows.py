"""Rows for the customer page tests: codes held in a chosen state, tickets in bulk, a Virus Lab request, a note."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import CodeRegistration, SupportRequestType, Ticket
from tests.licensing_helpers import make_code
from tests.viruslab_analysis import submit

_serial = iter(range(1, 10**9))


def hold(customer, **code_options):
    """An activation code (make_code's options: blacklisted, expires_in_days, ...) held by `customer`."""
    code = make_code(seats=2, **code_options)
    db.session.add(CodeRegistration(code_id=code.id, customer_id=customer.id))
    code.seats_taken = 1
    db.session.commit()
    return code


def tickets(customer, count: int, subject: str = "Question") -> list[str]:
    """`count` tickets of `customer` inserted in one statement (the wizard's services are too slow for 300);
    their numbers, oldest first."""
    type_id = db.session.scalar(select(SupportRequestType.id).order_by(SupportRequestType.position).limit(1))
    now = utcnow()
    rows = []
    for _ in range(count):
        n = next(_serial)
        rows.append({"number": f"TS-2026-{n:06d}", "customer_id": customer.id, "draft_key": uuid.uuid4().hex,
                     "request_type_id": type_id, "subject": f"{subject} {n}", "description": "Please help.",
                     "created_at": now, "last_activity_at": now, "first_response_due_at": now + timedelta(days=1),
                     "resolution_due_at": now + timedelta(days=3)})
    db.session.execute(insert(Ticket), rows)
    db.session.commit()
    return [row["number"] for row in rows]


def lab_request(customer):
    return submit(b"a file for the lab " + uuid.uuid4().bytes, "sample.bin", customer)
