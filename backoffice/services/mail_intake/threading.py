"""Which ticket a message answers, by the rules in this order (the first that names a ticket wins):

1. a recipient (To, Cc, Delivered-To, X-Original-To, the envelope) that is a ticket's signed reply address;
2. In-Reply-To/References against the Message-IDs we sent about a ticket (the outbox) and those of messages that
   already joined one;
3. the request number in the subject, but only when the sender is that ticket's customer: a number is easy to
   learn, so from anyone else it names nothing (the message is then a new one from that sender).

Finding the ticket does not make the sender its customer: the intake checks that afterwards (and sends a mismatch
to staff for review). A merged ticket leads to the one it was merged into.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Customer, OutboxMessage, Ticket
from backoffice.models.inbound_mail import InboundMessage, InboundOutcome
from backoffice.services.mail_intake.bounces import id_variants
from backoffice.services.mail_intake.parse import ParsedMail
from backoffice.services.support.reply_address import ticket_id_of

BY_ADDRESS = "its reply address"
BY_REFERENCE = "the message it answers"
BY_SUBJECT = "the request number in its subject"
ON_A_TICKET = (InboundOutcome.JOINED, InboundOutcome.CREATED, InboundOutcome.ATTACHED)
MAX_REFERENCES = 50  # a long References chain: the newest ones are the ones that matter


@dataclass(frozen=True)
class Pointer:
    ticket: Ticket
    how: str


def find_ticket(mail: ParsedMail, recipients: list[str], sender: Customer | None) -> Pointer | None:
    ticket = _by_address(recipients)
    if ticket is not None:
        return Pointer(survivor(ticket), BY_ADDRESS)
    ticket = _by_reference(mail.in_reply_to + list(reversed(mail.references)))
    if ticket is not None:
        return Pointer(survivor(ticket), BY_REFERENCE)
    ticket = _by_subject(mail.subject)
    if ticket is not None and sender is not None and ticket.customer_id == sender.id:
        return Pointer(survivor(ticket), BY_SUBJECT)
    return None


def _by_address(recipients: list[str]) -> Ticket | None:
    for address in recipients:
        ticket_id = ticket_id_of(address)
        if ticket_id is not None:
            ticket = db.session.get(Ticket, ticket_id)
            if ticket is not None:
                return ticket
    return None


def _by_reference(message_ids: list[str]) -> Ticket | None:
    """The ticket of the newest referenced message we know (In-Reply-To first, then References newest first)."""
    ordered = list(dict.fromkeys(message_ids))[:MAX_REFERENCES]
    if not ordered:
        return None
    variants = id_variants(ordered)
    known: dict[str, int] = {}
    for message_id, ticket_id in db.session.execute(
            select(OutboxMessage.message_id, OutboxMessage.ticket_id)
            .where(OutboxMessage.message_id.in_(variants), OutboxMessage.ticket_id.is_not(None))):
        known[message_id.strip("<>")] = ticket_id
    for message_id, ticket_id in db.session.execute(
            select(InboundMessage.message_id, InboundMessage.ticket_id)
            .where(InboundMessage.message_id.in_(variants), InboundMessage.ticket_id.is_not(None),
                   InboundMessage.outcome.in_(ON_A_TICKET))):
        known.setdefault(message_id.strip("<>"), ticket_id)
    for message_id in ordered:
        ticket_id = known.get(message_id.strip("<>"))
        if ticket_id is not None:
            return db.session.get(Ticket, ticket_id)
    return None


def _by_subject(subject: str) -> Ticket | None:
    prefix = re.escape(current_app.config["TICKET_NUMBER_PREFIX"])
    match = re.search(rf"\b({prefix}-\d{{4}}-\d{{6,}})\b", subject, re.IGNORECASE)
    if match is None:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.number == match.group(1).upper()))


def survivor(ticket: Ticket) -> Ticket:
    """The ticket itself, or the one it was merged into (and so on)."""
    seen = set()
    while ticket.merged_into_id is not None and ticket.id not in seen:
        seen.add(ticket.id)
        ticket = db.session.get(Ticket, ticket.merged_into_id)
    return ticket
