"""Canned responses: texts admins maintain and engineers insert into replies.

A text may hold placeholders such as `{customer_name}`; PLACEHOLDERS is the whole list. An unknown one is refused
when the response is saved, so a typo never reaches a customer; `fill` is the one rule that replaces them.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import CannedResponse, StaffUser, Ticket
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record

MAX_RESPONSES = 200  # the ticket page lists them all in one select; a team keeps far fewer
PLACEHOLDERS = {
    "customer_name": "the customer's name",
    "ticket_number": "the ticket's number, e.g. TS-2026-000123",
    "product": "the product the request is about",
    "engineer_name": "your own name, as the engineer who sends the reply",
}
# `{word}`: braces around anything else (a lone brace, "{ }", JSON) are plain text
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def all_responses() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.title).limit(MAX_RESPONSES)))


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(body or "") if name not in PLACEHOLDERS})


def fill(body: str, ticket: Ticket, engineer: StaffUser | None) -> str:
    """The text with each placeholder replaced by this ticket's value (plain text: the page escapes it when it
    shows it). A value that is missing (an anonymised customer, no product) becomes an empty string."""
    customer = ticket.customer
    values = {
        "customer_name": (customer.name or "") if customer else "",
        "ticket_number": ticket.number,
        "product": ticket.product.name if ticket.product else "",
        "engineer_name": engineer.name if engineer else "",
    }
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)


def filled_responses(ticket: Ticket, engineer: StaffUser | None) -> list[tuple[CannedResponse, str]]:
    """Each canned response with its text filled for this ticket, for the ticket page's insert."""
    return [(response, fill(response.body, ticket, engineer)) for response in all_responses()]


def append_to_draft(draft: str, canned_id: int | None, ticket: Ticket, engineer: StaffUser | None) -> str:
    """The draft with the chosen response's filled text after it (the insert without JavaScript)."""
    response = db.session.get(CannedResponse, canned_id) if canned_id is not None else None
    if response is None:
        raise ServiceError("Choose a canned response to insert.", "canned")
    text = fill(response.body, ticket, engineer)
    draft = (draft or "").rstrip()
    return f"{draft}\n\n{text}" if draft else text


def save(response: CannedResponse, title: str, body: str, actor: Actor) -> CannedResponse:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise ServiceError("Give the response a title of at most 120 characters.", "title")
    if not body:
        raise ServiceError("Write the text of the response.", "body")
    unknown = unknown_placeholders(body)
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise ServiceError(f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {names}: use only {known}.",
                           "body")
    clash = db.session.scalar(select(CannedResponse).where(CannedResponse.title == title))
    if clash is not None and clash is not response:
        raise ServiceError("Another canned response has this title.", "title")
    before = {"title": response.title, "body": response.body} if response.id else None
    response.title, response.body, response.updated_at = title, body, utcnow()
    db.session.add(response)
    db.session.flush()
    record(actor, "canned_response.saved", response, before=before, after={"title": title, "body": body})
    db.session.commit()
    return response


def remove(response: CannedResponse, actor: Actor) -> None:
    record(actor, "canned_response.deleted", response, before={"title": response.title})
    db.session.delete(response)
    db.session.commit()
