"""Who has read what on a ticket, and what waits for an answer.

- `customer_wrote_at`: the customer's latest message (the request itself counts).
- `unanswered_since`: the oldest customer message no public staff reply has answered yet ("waiting since" in the
  queue); a note does not answer, a public reply clears it.
- `TicketRead`: when each staff member last opened the ticket; the queue marks it unread for them when the customer
  wrote after that (or they never opened it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backoffice.extensions import db
from backoffice.models import Ticket, TicketRead
from backoffice.models.support import ACTIVE_STATUSES
from backoffice.models.types import one_of


def customer_wrote(ticket: Ticket, now: datetime) -> None:
    ticket.customer_wrote_at = now
    if ticket.unanswered_since is None:
        ticket.unanswered_since = now


def staff_answered(ticket: Ticket) -> None:
    ticket.unanswered_since = None


def merged(source: Ticket, target: Ticket) -> None:
    """The survivor of a merge holds both threads: the later last word, the older unanswered message."""
    wrote = [t for t in (source.customer_wrote_at, target.customer_wrote_at) if t]
    target.customer_wrote_at = max(wrote) if wrote else None
    waiting = [t for t in (source.unanswered_since, target.unanswered_since) if t]
    target.unanswered_since = min(waiting) if waiting else None
    source.unanswered_since = None


def replied_condition() -> ColumnElement[bool]:
    """Active tickets where the customer wrote again after a first response and waits for the next answer (a
    ticket never answered is "waiting for a first response", which its due time tracks): the dashboard's
    "customer replied" and the queue's `replied` filter."""
    return and_(one_of(Ticket.status, ACTIVE_STATUSES), Ticket.unanswered_since.is_not(None),
                Ticket.first_response_at.is_not(None))


def mark_read(ticket_id: int, staff_id: int, now: datetime) -> None:
    """Record that `staff_id` opened the ticket now: one upsert, committed (it is the page's only write).

    On PostgreSQL the commit does not wait for the write-ahead log to reach the disk: a crash may forget the last
    fraction of a second of "opened" marks (the ticket shows as unread again), never anything else, and the page
    no longer waits on an fsync per view."""
    postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    insert = postgresql_insert if postgresql else sqlite_insert
    statement = insert(TicketRead).values(staff_id=staff_id, ticket_id=ticket_id, read_at=now)
    db.session.execute(statement.on_conflict_do_update(index_elements=["staff_id", "ticket_id"],
                                                       set_={"read_at": statement.excluded.read_at}))
    db.session.commit()


def unread_ids(tickets: Iterable[Ticket], staff_id: int) -> set[int]:
    """Of these tickets (a page of a queue), those the customer wrote on after `staff_id` last opened them, or that
    they never opened: one statement for the page."""
    tickets = list(tickets)
    if not tickets:
        return set()
    read = dict(db.session.execute(select(TicketRead.ticket_id, TicketRead.read_at).where(
        TicketRead.staff_id == staff_id, TicketRead.ticket_id.in_([t.id for t in tickets]))).all())
    return {t.id for t in tickets
            if t.id not in read or (t.customer_wrote_at is not None and t.customer_wrote_at > read[t.id])}
