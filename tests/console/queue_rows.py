"""Tickets for the queue tests, inserted in one statement with chosen sort keys (priority, times), so the tests
can put equal keys on a page boundary; and the queue page read back as the numbers it lists, in order."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import SupportRequestType, Ticket

# numbers of a year the wizard never gives out (it numbers in the current year): no clash with make_ticket
_serial = iter(range(1, 10**6))
ROW_NUMBER = re.compile(r'<a data-open href="[^"]*">([^<]+)</a>')
NEXT_PAGE = re.compile(r'<a class="btn btn-sm btn-outline-secondary" href="([^"]+)" rel="next">Next page</a>')


def insert_tickets(customer, specs: list[dict], type_code: str = "general") -> list[Ticket]:
    """One ticket per spec (any Ticket column: priority, status, created_at, ...; hours: offsets from now
    for the times), all of `customer`, in the queue `type_code`; returned in insertion (id) order."""
    type_id = db.session.scalar(select(SupportRequestType.id).where(SupportRequestType.code == type_code))
    now = utcnow()
    rows = []
    for spec in specs:
        n = next(_serial)
        row = {"number": f"TS-1999-{n:06d}", "customer_id": customer.id, "draft_key": uuid.uuid4().hex,
               "request_type_id": type_id, "subject": f"Question {n}", "description": "Please help.",
               "created_at": now, "last_activity_at": now, "first_response_due_at": now + timedelta(hours=8),
               "resolution_due_at": now + timedelta(hours=72), "customer_wrote_at": now}
        row.update(spec)
        rows.append(row)
    db.session.execute(insert(Ticket), rows)
    db.session.commit()
    numbers = [row["number"] for row in rows]
    return list(db.session.scalars(select(Ticket).where(Ticket.number.in_(numbers)).order_by(Ticket.id)))


def listed(page: str) -> list[str]:
    return ROW_NUMBER.findall(page)


def walk(client, path: str, query: dict) -> list[list[str]]:
    """Every page of a list from its first, following its "Next page" links: the numbers each page shows."""
    pages = []
    response = client.get(path, query_string=query)
    while True:
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        pages.append(listed(page))
        following = NEXT_PAGE.search(page)
        if not following:
            return pages
        assert len(pages) < 100, "the pages never end"
        response = client.get(html.unescape(following.group(1)))
