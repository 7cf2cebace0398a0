"""The thread of a request (FAQ §13): replies of both sides, internal notes, and the customer's close/reopen.

A customer reply reopens a request that waits for them or was resolved; a public staff reply is the first
response (for the SLA), opens a new request, and is mailed to the customer.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Attachment, Ticket, TicketMessage
from backoffice.models.support import AttachmentSource, AuthorKind, MessageKind, TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import file_checks, lab_link, notify, reading, staff_notices, workflow
from backoffice.services.support.attachments import store_uploads
from backoffice.services.support.history import log_event
from backoffice.services.support.meanwhile import Seen, check_unchanged
from backoffice.services.threads import author_fields, check_body, message_kind

S = TicketStatus


def thread(ticket: Ticket, include_notes: bool) -> list[TicketMessage]:
    """The messages in order, their files loaded in one more statement (not one per message)."""
    query = (select(TicketMessage).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)
             .options(selectinload(TicketMessage.attachments)))
    if not include_notes:
        query = query.where(TicketMessage.kind == MessageKind.REPLY)
    return list(db.session.scalars(query))


def loose_attachments(ticket: Ticket) -> list[Attachment]:
    """Files that arrived outside a message: the FTP channel."""
    return list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id,
                                                            Attachment.message_id.is_(None))
                                   .order_by(Attachment.id)))


def _add_message(ticket: Ticket, kind: str, author_kind: str, actor: Actor, body: str, uploads: list,
                 now, source: str = AttachmentSource.WEB) -> TicketMessage:
    stored = store_uploads(uploads, field="files", source=source)
    message = TicketMessage(ticket_id=ticket.id, kind=kind, body=body, created_at=now,
                            **author_fields(author_kind, actor))
    db.session.add(message)
    db.session.flush()
    for attachment in stored:
        attachment.ticket_id = ticket.id
        attachment.message_id = message.id
        db.session.add(attachment)
    file_checks.queue_checks(stored)
    ticket.last_activity_at = now
    return message


def customer_reply(ticket: Ticket, actor: Actor, body: str, uploads: list | None = None,
                   source: str = AttachmentSource.WEB) -> TicketMessage:
    """The customer's reply from the portal, or from their mail client (`source` "mail": the intake)."""
    uploads = uploads or []
    body = check_body(body, uploads)
    ticket = workflow.locked(ticket)
    if ticket.status == S.CLOSED:
        raise ServiceError("This request is closed. Reopen it to write again, or start a new request.", "body")
    now = utcnow()
    message = _add_message(ticket, MessageKind.REPLY, AuthorKind.CUSTOMER, actor, body, uploads, now, source)
    reading.customer_wrote(ticket, now)
    log_event(ticket, actor, "customer_replied", None, {"message": message.id})
    lab_link.auto_send(ticket, list(db.session.scalars(select(Attachment).where(Attachment.message_id == message.id)
                                                       .order_by(Attachment.id))))
    if ticket.status in (S.WAITING, S.RESOLVED):
        workflow.move(ticket, S.OPEN, actor, now, action="reopened_by_reply")
    staff_notices.tell_customer_replied(ticket, message, actor)
    db.session.commit()
    return message


def customer_close(ticket: Ticket, actor: Actor) -> Ticket:
    ticket = workflow.locked(ticket)
    if ticket.status == S.CLOSED:
        return ticket
    workflow.move(ticket, S.CLOSED, actor, action="closed_by_customer")
    db.session.commit()
    return ticket


def customer_reopen(ticket: Ticket, actor: Actor) -> Ticket:
    ticket = workflow.locked(ticket)
    if ticket.status not in (S.RESOLVED, S.CLOSED):
        return ticket
    if not workflow.customer_may_reopen(ticket):
        raise ServiceError("This request ended too long ago to reopen it; start a new request instead.")
    workflow.move(ticket, S.OPEN, actor, action="reopened_by_customer")
    db.session.commit()
    return ticket


def staff_reply(ticket: Ticket, actor: Actor, body: str, uploads: list | None = None, internal: bool = False,
                then_status: str | None = None, seen: Seen | None = None) -> TicketMessage:
    """A public answer (mailed to the customer) or an internal note; optionally a state change with it.
    With `seen` (what the engineer's page showed), refused with ChangedMeanwhile if the ticket moved on since."""
    uploads = uploads or []
    body = check_body(body, uploads)
    ticket = workflow.locked(ticket)
    if ticket.merged_into_id is not None:
        raise ServiceError("This request was merged into another one; answer there.", "body")
    check_unchanged(ticket, seen)
    now = utcnow()
    message = _add_message(ticket, message_kind(internal), AuthorKind.STAFF, actor, body, uploads, now)
    log_event(ticket, actor, "note_added" if internal else "staff_replied", None, {"message": message.id})
    if not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        reading.staff_answered(ticket)
        if ticket.status == S.NEW:
            workflow.move(ticket, S.OPEN, actor, now)
        if ticket.assignee_id is None and actor.kind == "staff":
            ticket.assignee_id = actor.id  # whoever answers an unassigned request takes it
            log_event(ticket, actor, "assigned", {"assignee": None}, {"assignee": actor.label})
        db.session.flush()
        db.session.refresh(message)
        notify.tell_reply(ticket, message)
    if then_status:
        workflow.move(ticket, then_status, actor, now)
    db.session.commit()
    return message


def customer_requests(customer_id: int, limit: int = 200) -> list[Ticket]:
    """The customer's requests, latest activity first (merged ones are shown through their survivor)."""
    return list(db.session.scalars(
        select(Ticket).where(Ticket.customer_id == customer_id, Ticket.merged_into_id.is_(None))
        .order_by(Ticket.last_activity_at.desc()).limit(limit)))


def message_count(ticket: Ticket) -> int:
    return db.session.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket.id)) or 0
