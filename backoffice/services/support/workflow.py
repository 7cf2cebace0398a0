"""Ticket states and the moves between them.

    new ──► open ──► waiting ──► open ...
      │       │         │
      └───────┴────┬────┘
                   ▼
               resolved ──► closed ──► open (reopen)
                   └──► open (reopen, or a customer reply)

The service refuses any other move; the database holds each state's timestamps (CHECKs in the model), and the
row is locked while it changes, so two engineers (or an engineer and the customer) cannot interleave.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Ticket
from backoffice.models.support import TicketPriority, TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.locking import locked as lock_row
from backoffice.services.support import sla
from backoffice.services.support.history import log_event

S = TicketStatus
ALLOWED: dict[str, set[str]] = {
    S.NEW: {S.OPEN, S.WAITING, S.RESOLVED, S.CLOSED},
    S.OPEN: {S.WAITING, S.RESOLVED, S.CLOSED},
    S.WAITING: {S.OPEN, S.RESOLVED, S.CLOSED},
    S.RESOLVED: {S.OPEN, S.CLOSED},
    S.CLOSED: {S.OPEN},
}
LABELS = {S.NEW: "New", S.OPEN: "Open", S.WAITING: "Waiting for customer", S.RESOLVED: "Resolved",
          S.CLOSED: "Closed"}
PRIORITY_LABELS = {TicketPriority.LOW: "Low", TicketPriority.NORMAL: "Normal", TicketPriority.HIGH: "High",
                   TicketPriority.URGENT: "Urgent"}
PRIORITY_BADGES = {TicketPriority.LOW: "light", TicketPriority.NORMAL: "secondary", TicketPriority.HIGH: "warning",
                   TicketPriority.URGENT: "danger"}


def can_move(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, set())


def locked(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock (the generic lock, named here for the ticket's callers)."""
    return lock_row(ticket)


def move(ticket: Ticket, target: str, actor: Actor, now: datetime | None = None, action: str = "status_changed"):
    """Change the state inside the caller's transaction (the ticket should be `locked`); no commit."""
    now = now or utcnow()
    current = ticket.status
    if target not in set(TicketStatus):
        raise ServiceError("Unknown state.", "status")
    if current == target:
        return
    if not can_move(current, target):
        raise ServiceError(f"A request that is {LABELS[current].lower()} cannot become {LABELS[target].lower()}.",
                           "status")
    if ticket.merged_into_id is not None:
        raise ServiceError("This request was merged into another one; work on that one instead.", "status")
    if current == S.WAITING:
        sla.resume(ticket, now)
    if target == S.WAITING:
        sla.pause(ticket, now)
    if target == S.RESOLVED:
        ticket.resolved_at = now
    if target == S.CLOSED:
        ticket.closed_at = now
    if target == S.OPEN:
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.status = target
    ticket.last_activity_at = now
    log_event(ticket, actor, action, {"status": current}, {"status": target})
    if target == S.RESOLVED:
        from backoffice.services.support.notify import tell_resolved

        tell_resolved(ticket)


def reopen_deadline(ticket: Ticket) -> datetime | None:
    ended = ticket.closed_at or ticket.resolved_at
    if ended is None:
        return None
    return ended + timedelta(days=current_app.config["TICKET_REOPEN_DAYS"])


def customer_may_reopen(ticket: Ticket, now: datetime | None = None) -> bool:
    deadline = reopen_deadline(ticket)
    return (ticket.status in (S.RESOLVED, S.CLOSED) and ticket.merged_into_id is None and deadline is not None
            and (now or utcnow()) <= deadline)


def close_resolved(now: datetime | None = None, batch: int = 500) -> int:
    """Close every ticket resolved more than TICKET_AUTOCLOSE_DAYS ago. Running it again closes nothing more."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["TICKET_AUTOCLOSE_DAYS"])
    actor = Actor.system("close-resolved")
    closed = 0
    while True:
        query = (select(Ticket).where(Ticket.status == S.RESOLVED, Ticket.resolved_at < cutoff)
                 .order_by(Ticket.resolved_at).limit(batch))
        if db.engine.dialect.name == "postgresql":
            query = query.with_for_update(of=Ticket, skip_locked=True)
        tickets = db.session.scalars(query).unique().all()
        if not tickets:
            return closed
        for ticket in tickets:
            move(ticket, S.CLOSED, actor, now, action="auto_closed")
        db.session.commit()
        closed += len(tickets)
