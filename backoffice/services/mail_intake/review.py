"""Staff's decisions on mail that waits for review (a sender who is not the ticket's customer, a failed DMARC, a
reply that could not be added): put it on a ticket, or throw it away. Each decision takes the message only while
it still waits (the row is locked), so two engineers deciding at once make one decision; each is audited."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Ticket
from backoffice.models.inbound_mail import InboundMessage
from backoffice.models.inbound_mail import InboundOutcome as Outcome
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.mail_intake import intake
from backoffice.services.mail_intake.parse import parse
from backoffice.services.mail_intake.threading import survivor
from backoffice.services.support.access import ticket_by_number
from backoffice.storage import BlobNotFound, open_blob

GONE = "This message is no longer waiting for review: someone decided on it already."


def waiting(limit: int = 100) -> list[InboundMessage]:
    """The messages waiting for a decision, newest first."""
    return list(db.session.scalars(select(InboundMessage).where(InboundMessage.outcome == Outcome.NEEDS_REVIEW)
                                   .order_by(InboundMessage.id.desc()).limit(limit)))


def suggested_ticket(inbound: InboundMessage) -> Ticket | None:
    return db.session.get(Ticket, inbound.ticket_id) if inbound.ticket_id else None


def attach(inbound_id: int, number: str, actor: Actor) -> InboundMessage:
    """Add the message to the request `number` as its customer's reply, labelled with the address it came from."""
    inbound = _waiting(inbound_id)
    ticket = ticket_by_number(number or "")
    if ticket is None:
        raise ServiceError("There is no request with this number.", "number")
    ticket = survivor(ticket)  # a merged request's replies go to the one it was merged into
    if ticket.customer_id is None:
        raise ServiceError("This request's customer closed their account: it takes no more replies.", "number")
    try:
        with open_blob(inbound.raw_sha256) as stream:
            mail = parse(stream.read())
    except BlobNotFound:
        db.session.rollback()
        raise ServiceError("The original of this message is missing from the store: it cannot be added; throw it "
                           "away.") from None
    record(actor, "mail.attached", inbound,
           after={"ticket": ticket.number, "from": inbound.from_addr})
    author = Actor("customer", ticket.customer_id, f"{inbound.from_addr} (e-mail, added by {actor.label})")
    result = intake.join(inbound, mail, ticket, author, f"by {actor.label}", outcome=Outcome.ATTACHED)
    if result.outcome != Outcome.ATTACHED:  # the reply service refused it (say, the request is closed): it still waits
        raise ServiceError(result.reason or GONE, "number")
    return result


def discard(inbound_id: int, actor: Actor) -> InboundMessage:
    inbound = _waiting(inbound_id)
    inbound.outcome, inbound.reason = Outcome.DISCARDED, f"Thrown away by {actor.label}."
    record(actor, "mail.discarded", inbound,
           after={"from": inbound.from_addr, "subject": inbound.subject})
    db.session.commit()
    return inbound


def _waiting(inbound_id: int) -> InboundMessage:
    inbound = db.session.get(InboundMessage, inbound_id, with_for_update=True, populate_existing=True)
    if inbound is None or inbound.outcome != Outcome.NEEDS_REVIEW:
        db.session.rollback()
        raise ServiceError(GONE)
    return inbound
