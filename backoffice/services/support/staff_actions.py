"""What an engineer changes on one ticket: type (moves it to another queue), priority, state, assignee, claim.
Every change goes into the ticket's history and the audit log; due times follow type and priority."""

from __future__ import annotations

from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import StaffUser, SupportRequestType, Ticket
from backoffice.models.accounts import StaffRole
from backoffice.models.support import TicketPriority
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import sla, staff_notices, workflow
from backoffice.services.support.history import log_event
from backoffice.services.support.meanwhile import Seen, check_unchanged

ASSIGNABLE_ROLES = (StaffRole.ADMIN, StaffRole.SUPPORT)


def apply_changes(ticket: Ticket, actor: Actor, values: dict) -> list[str]:
    """Apply the changes in `values` (request_type_id, priority, assignee_id, status) to a locked ticket,
    inside the caller's transaction. Returns the names of what changed."""
    changed = []
    if ticket.merged_into_id is not None:
        raise ServiceError("This request was merged into another one; change that one instead.")
    if "request_type_id" in values and values["request_type_id"] not in (None, ""):
        type_id = bounded_int(values["request_type_id"])
        kind = db.session.get(SupportRequestType, type_id) if type_id is not None else None
        if kind is None:
            raise ServiceError("Unknown request type.", "request_type_id")
        if kind.id != ticket.request_type_id:
            log_event(ticket, actor, "type_changed", {"type": ticket.request_type.code}, {"type": kind.code})
            ticket.request_type_id = kind.id
            ticket.request_type = kind
            _reset_due(ticket)
            changed.append("type")
    if values.get("priority"):
        if values["priority"] not in set(TicketPriority):
            raise ServiceError("Unknown priority.", "priority")
        if values["priority"] != ticket.priority:
            log_event(ticket, actor, "priority_changed", {"priority": ticket.priority},
                      {"priority": values["priority"]})
            ticket.priority = values["priority"]
            _reset_due(ticket)
            changed.append("priority")
    if "assignee_id" in values:
        chosen = values["assignee_id"]
        assignee_id = bounded_int(str(chosen)) if chosen not in (None, "") else None
        if chosen not in (None, "") and assignee_id is None:  # a word or a number past 64 bits
            raise ServiceError("Choose an active support engineer or admin.", "assignee_id")
        if assignee_id != ticket.assignee_id:
            assignee = None
            if assignee_id is not None:
                assignee = db.session.get(StaffUser, assignee_id)
                if assignee is None or assignee.role not in ASSIGNABLE_ROLES or not assignee.is_active:
                    raise ServiceError("Choose an active support engineer or admin.", "assignee_id")
            log_event(ticket, actor, "assigned", {"assignee": ticket.assignee.email if ticket.assignee else None},
                      {"assignee": assignee.email if assignee else None})
            ticket.assignee_id = assignee_id
            ticket.assignee = assignee
            changed.append("assignee")
    if values.get("status") and values["status"] != ticket.status:
        workflow.move(ticket, values["status"], actor)
        changed.append("status")
    if "assignee" in changed:  # after every check above: a refused change mails nobody
        staff_notices.tell_assigned(ticket, actor)
    return changed


def _reset_due(ticket: Ticket) -> None:
    """Targets of the new type or priority, counted from the submit, plus the time paused so far."""
    sla.set_due_times(ticket, ticket.request_type.code, ticket.created_at)


def update_ticket(ticket: Ticket, actor: Actor, values: dict, seen: Seen | None = None) -> list[str]:
    """The change form's changes; with `seen`, refused with ChangedMeanwhile if the ticket moved on since."""
    ticket = workflow.locked(ticket)
    try:
        check_unchanged(ticket, seen)
        changed = apply_changes(ticket, actor, values)
    except ServiceError:
        db.session.rollback()
        raise
    db.session.commit()
    return changed


def claim(ticket: Ticket, actor: Actor) -> Ticket:
    """Take the ticket: assign it to the acting engineer, and open it if it was new."""
    ticket = workflow.locked(ticket)
    values = {"assignee_id": actor.id}
    if ticket.status == "new":
        values["status"] = "open"
    apply_changes(ticket, actor, values)
    db.session.commit()
    return ticket
