"""Internal notes about a customer: staff add them (audited), everyone with the customer page reads them,
newest first. A note is never shown to the customer, and is not edited: a correction is a newer note."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.inputs.text import text_problem
from backoffice.models import Customer, CustomerNote
from backoffice.models.customer_notes import NOTE_MAX_LENGTH
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record

PAGE_SIZE = 50


def add_note(customer: Customer, body: str | None, actor: Actor) -> CustomerNote:
    """Store a staff member's note about `customer`; refused (nothing written) when empty or unstorable."""
    if actor.kind != "staff":
        raise ServiceError("Only staff write notes about customers.")
    body = body if isinstance(body, str) else ""
    problem = text_problem(body, multiline=True, max_length=NOTE_MAX_LENGTH)
    if problem:
        raise ServiceError(problem, "body")
    body = body.strip()
    if not body:
        raise ServiceError("Write the note before adding it.", "body")
    note = CustomerNote(customer_id=customer.id, author_staff_id=actor.id, author_label=actor.label or "staff",
                        body=body)
    db.session.add(note)
    db.session.flush()
    # the audit keeps who and when, not the text: the note itself is the record of what was said
    record(actor, "customer.note_added", note, after={"customer_id": customer.id, "characters": len(body)})
    db.session.commit()
    return note


def notes_page(customer_id: int, before: int | None = None,
               limit: int = PAGE_SIZE) -> tuple[list[CustomerNote], int | None]:
    """One page of the customer's notes, newest first, and the `before` id of the next page (None: the last)."""
    query = select(CustomerNote).where(CustomerNote.customer_id == customer_id)
    if before is not None:
        query = query.where(CustomerNote.id < before)
    rows = list(db.session.scalars(query.order_by(CustomerNote.id.desc()).limit(limit + 1)))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)
