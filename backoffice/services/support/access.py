"""Finding requests for the customer who owns them. Anyone else's number or attachment is simply not found,
the same answer as a number that does not exist, so numbers are no way into another customer's request."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Attachment, Ticket
from backoffice.services import ServiceError
from backoffice.services.support.numbers import looks_like_number


class NotFound(ServiceError):
    def __init__(self):
        super().__init__("Not found.")


def ticket_by_number(number: str) -> Ticket | None:
    """The ticket with this number; text that cannot be a number (a NUL, bytes that are not text) finds none
    without a query."""
    if not isinstance(number, str) or not looks_like_number(number):
        return None
    return db.session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))


def customer_ticket(customer_id: int, number: str) -> Ticket:
    """The customer's own request; a merged one leads to the request it was merged into."""
    ticket = ticket_by_number(number)
    if ticket is None or ticket.customer_id != customer_id:
        raise NotFound()
    seen = set()
    while ticket.merged_into_id is not None and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    if ticket.customer_id != customer_id:
        raise NotFound()
    return ticket


def customer_attachment(customer_id: int, number: str, attachment_id: int) -> Attachment:
    """An attachment of the customer's own request, in its public thread (never one of an internal note)."""
    ticket = customer_ticket(customer_id, number)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id:
        raise NotFound()
    if attachment.message is not None and attachment.message.kind != "reply":
        raise NotFound()
    return attachment
