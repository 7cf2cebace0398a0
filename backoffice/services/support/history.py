"""The ticket's own history, and the audit trail beside it for every staff change."""

from __future__ import annotations

from backoffice.extensions import db
from backoffice.models import Ticket, TicketEvent
from backoffice.security import Actor
from backoffice.services.audit import _jsonable, record


def log_event(ticket: Ticket, actor: Actor, action: str, before: dict | None = None,
              after: dict | None = None) -> TicketEvent:
    """Add a TicketEvent (and, for staff and system actors, an AuditEvent) to the current transaction."""
    event = TicketEvent(
        ticket_id=ticket.id,
        actor_label=actor.label or actor.kind,
        action=action,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.session.add(event)
    if actor.kind in ("staff", "system"):
        record(actor, f"ticket.{action}", ticket, before=before, after=after)
    from backoffice.services import webhooks

    webhooks.ticket_event(ticket, action, before, after)  # created, replied, state changed, assigned
    return event
