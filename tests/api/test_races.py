"""Invariants of the API under concurrency, on PostgreSQL: several servers creating the same ticket with one
Idempotency-Key make one ticket; two scripts writing one ticket with the same If-Match: one wins, one gets 412."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Ticket, TicketMessage
from tests.api.helpers import bearer, token_for
from tests.api.seed import seed
from tests.races import run_together


def test_parallel_creates_with_one_key_make_one_ticket(app, make, postgres_only):
    rows = seed(make)
    auth = {**bearer(token_for(make.staff("support"))), "Idempotency-Key": "crm-case-0000000000042"}
    body = {"customer_id": rows["customer"].id, "type_code": "presale", "subject": "Price for ten seats",
            "description": "What does a licence for ten computers cost per year?", "os_name": "Windows 11",
            "product_version": "21.3.10.391"}
    barrier, answers = threading.Barrier(6), []

    def create():
        client = app.test_client()
        barrier.wait(timeout=10)
        answers.append(client.post("/api/v1/tickets", headers=auth, json=body))

    run_together(create, 6)
    assert sorted(answer.status_code for answer in answers).count(201) >= 1
    assert all(answer.status_code in (200, 201) for answer in answers), [a.status_code for a in answers]
    assert len({answer.json["number"] for answer in answers}) == 1
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 2  # the seed's and the one made


def test_two_writes_on_one_version_one_wins(app, make, postgres_only):
    rows = seed(make)
    auth = bearer(token_for(make.staff("support")))
    url = f"/api/v1/tickets/{rows['ticket'].number}/notes"
    etag = app.test_client().get(f"/api/v1/tickets/{rows['ticket'].number}", headers=auth).headers["ETag"]
    barrier, statuses = threading.Barrier(4), []

    def write():
        client = app.test_client()
        barrier.wait(timeout=10)
        statuses.append(client.post(url, headers={**auth, "If-Match": etag}, json={"body": "Seen it."}).status_code)

    run_together(write, 4)
    assert sorted(statuses) == [200, 412, 412, 412]
    notes = db.session.scalar(select(func.count()).select_from(TicketMessage).where(TicketMessage.kind == "note"))
    assert notes == 1
