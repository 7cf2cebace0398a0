"""Actions on a selection of tickets (assign, state, priority), and merging a duplicate into another ticket
(of the same customer, or of another one when the engineer confirms it). Each ticket's change is audited and
goes into its history."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Attachment, Ticket, TicketMessage
from backoffice.models.support import TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import notify, reading, workflow
from backoffice.services.support.access import ticket_by_number
from backoffice.services.support.history import log_event
from backoffice.services.support.staff_actions import apply_changes

MAX_SELECTION = 500


@dataclass
class BulkResult:
    changed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (number, why)


def bulk_update(ticket_ids: list[int], actor: Actor, values: dict) -> BulkResult:
    """Apply the same change to each selected ticket; a ticket the rules refuse is reported, the rest change."""
    values = {k: v for k, v in values.items() if v not in (None, "")}
    if values.get("assignee_id") == "none":
        values["assignee_id"] = None
    if not ticket_ids:
        raise ServiceError("Select at least one ticket.")
    if not values:
        raise ServiceError("Choose what to change: assignee, state or priority.")
    if len(ticket_ids) > MAX_SELECTION:
        raise ServiceError(f"Select at most {MAX_SELECTION} tickets at a time.")
    result = BulkResult()
    query = select(Ticket).where(Ticket.id.in_(ticket_ids)).order_by(Ticket.id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=Ticket)
    for ticket in db.session.scalars(query).unique().all():
        savepoint = db.session.begin_nested()
        try:
            if apply_changes(ticket, actor, values):
                result.changed.append(ticket.number)
            savepoint.commit()
        except ServiceError as error:
            savepoint.rollback()
            result.refused.append((ticket.number, error.message))
    db.session.commit()
    return result


def merge_target(source: Ticket, target_number: str) -> Ticket:
    """The ticket `source` would be merged into, for the confirm page; refused as `merge` would refuse it
    (except for another customer's ticket, which the confirm page names and asks about)."""
    target = ticket_by_number((target_number or "").strip())
    if target is None:
        raise ServiceError("No ticket has that number.", "target")
    if target.id == source.id:
        raise ServiceError("A ticket cannot be merged into itself.", "target")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise ServiceError("One of these tickets was already merged.", "target")
    return target


def customers_differ(source: Ticket, target: Ticket) -> bool:
    return source.customer_id != target.customer_id


def merge(source: Ticket, target_number: str, actor: Actor, other_customer_confirmed: bool = False) -> Ticket:
    """Move `source`'s thread and files into the ticket numbered `target_number`, close `source` pointing at it,
    and tell the customer. Tickets of two customers merge only with `other_customer_confirmed` (the confirm
    page's extra box naming both). The old number then leads to the surviving ticket."""
    target = merge_target(source, target_number)
    if customers_differ(source, target) and not other_customer_confirmed:
        raise ServiceError("These tickets belong to two different customers: confirm that the thread should move "
                           "to the other customer's ticket.", "other_customer")
    for ticket in sorted((source, target), key=lambda t: t.id):  # in id order: two opposite merges cannot deadlock
        workflow.locked(ticket)  # refreshes the session's own `source` and `target` under the row lock
    if source.merged_into_id is not None or target.merged_into_id is not None:  # a colleague merged meanwhile
        raise ServiceError("One of these tickets was already merged.", "target")
    now = utcnow()
    db.session.execute(update(TicketMessage).where(TicketMessage.ticket_id == source.id)
                       .values(ticket_id=target.id))
    db.session.execute(update(Attachment).where(Attachment.ticket_id == source.id).values(ticket_id=target.id))
    if source.status != TicketStatus.CLOSED:
        workflow.move(source, TicketStatus.CLOSED, actor, now, action="closed_by_merge")
    source.merged_into_id = target.id
    reading.merged(source, target)
    if target.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        workflow.move(target, TicketStatus.OPEN, actor, now, action="reopened_by_merge")
    target.last_activity_at = now
    log_event(source, actor, "merged", None, {"into": target.number})
    log_event(target, actor, "merged_in", None, {"from": source.number})
    notify.tell_merged(target, source.number)
    db.session.commit()
    return target
