"""Service levels: first-response and resolution targets per request type and priority (SLA_TARGETS in
config.py), stored on the ticket as due times. While a ticket waits for the customer the clock stops: on
leaving `waiting` the paused time is added to the due times and to `paused_seconds`."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_

from backoffice.models import Ticket
from backoffice.models.support import ACTIVE_STATUSES, TicketStatus
from backoffice.models.types import one_of

# the states whose due times count down: waiting pauses the clock, resolved and closed stop it
CLOCK_RUNNING = frozenset({TicketStatus.NEW, TicketStatus.OPEN})


def targets(type_code: str, priority: str) -> tuple[timedelta, timedelta]:
    table = current_app.config["SLA_TARGETS"]
    first, resolution = table.get(type_code, table["default"]).get(priority, table["default"][priority])
    return timedelta(hours=first), timedelta(hours=resolution)


def set_due_times(ticket: Ticket, type_code: str, start: datetime) -> None:
    """Due times counted from `start` (the submit) plus the time already paused."""
    first, resolution = targets(type_code, ticket.priority)
    paused = timedelta(seconds=ticket.paused_seconds or 0)
    ticket.first_response_due_at = start + first + paused
    ticket.resolution_due_at = start + resolution + paused


def pause(ticket: Ticket, now: datetime) -> None:
    ticket.waiting_since = now


def resume(ticket: Ticket, now: datetime) -> None:
    """Leaving `waiting`: push the due times back by the time spent waiting."""
    if ticket.waiting_since is None:
        return
    paused = max(now - ticket.waiting_since, timedelta(0))
    ticket.paused_seconds = (ticket.paused_seconds or 0) + int(paused.total_seconds())
    ticket.resolution_due_at += paused
    if ticket.first_response_at is None:
        ticket.first_response_due_at += paused
    ticket.waiting_since = None


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    if ticket.status not in CLOCK_RUNNING:
        return False  # waiting: the clock is paused; resolved and closed: done
    late_answer = ticket.first_response_at is None and ticket.first_response_due_at < now
    return late_answer or ticket.resolution_due_at < now


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    """The same rule as `is_overdue`, as SQL for the console's filter."""
    return and_(
        one_of(Ticket.status, CLOCK_RUNNING),
        or_(Ticket.resolution_due_at < now,
            and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at < now)),
    )


def due_within_condition(now: datetime, hours: int) -> ColumnElement[bool]:
    """New and open tickets (a waiting ticket's clock is paused) whose first response (none given yet) or
    resolution is due within `hours` of `now`, or already overdue: the overdue rule, `hours` ahead. The
    dashboard's "due within 4 hours" and the queue's `due_within` filter (a due time exactly `hours` away counts)."""
    horizon = now + timedelta(hours=hours)
    return and_(
        one_of(Ticket.status, CLOCK_RUNNING),
        or_(Ticket.resolution_due_at <= horizon,
            and_(Ticket.first_response_at.is_(None), Ticket.first_response_due_at <= horizon)),
    )


__all__ = ["ACTIVE_STATUSES", "targets", "set_due_times", "pause", "resume", "is_overdue", "overdue_condition",
           "due_within_condition"]
