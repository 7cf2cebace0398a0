"""Submit: a valid draft becomes a ticket, exactly once.

The draft id is the idempotency key: the ticket carries it under a unique (customer, draft_key) constraint. A
second submit of the same draft (double click, reload, retry, or a race on another app server) finds the
ticket the first one made, or loses the insert race to the constraint and then finds it.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Attachment, Ticket, TicketMessage, WizardDraft
from backoffice.models.support import AttachmentSource, AuthorKind, MessageKind, TicketPriority, TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import file_checks, lab_link, notify, numbers, sla, staff_notices, wizard
from backoffice.services.support.attachments import store_uploads
from backoffice.services.support.history import log_event


def submitted_ticket(customer_id: int, key: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.customer_id == customer_id, Ticket.draft_key == key))


def submit_draft(customer_id: int, key: str, actor: Actor) -> Ticket:
    """The ticket for this draft: created now, or the one an earlier submit of the same draft created."""
    existing = submitted_ticket(customer_id, key)
    if existing is not None:
        return existing
    draft = wizard.find_draft(customer_id, key)
    if draft is None:
        raise ServiceError("This request form has expired; start a new request.")
    errors = wizard.validate_all(draft)
    if errors:
        raise wizard.StepInvalid(errors)
    return _create_once(customer_id, key, lambda: _create(draft, actor))


def submit_mail(customer_id: int, key: str, actor: Actor, type_code: str, subject: str, description: str,
                uploads: list) -> Ticket:
    """A request that arrived by e-mail: the same ticket as the wizard's, with no product or system chosen (a mail
    has no wizard steps), its files under the same limits and checks. `key` (from the mail) makes it once."""
    existing = submitted_ticket(customer_id, key)
    if existing is not None:
        return existing
    def create() -> Ticket:
        draft = WizardDraft(customer_id=customer_id, draft_key=key, step=wizard.LAST_STEP,
                            data={"type_code": type_code, "subject": subject, "description": description})
        db.session.add(draft)
        db.session.flush()  # the unique (customer, draft_key) of drafts speaks here when two intakes race
        stored = store_uploads(uploads, field="files", source=AttachmentSource.MAIL)
        for attachment in stored:
            attachment.draft_id = draft.id
            db.session.add(attachment)
        file_checks.queue_checks(stored)
        return _create(draft, actor)

    return _create_once(customer_id, key, create)


def _create_once(customer_id: int, key: str, create) -> Ticket:
    try:
        ticket = create()
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another submit of this draft won the race: it made the one ticket
        existing = submitted_ticket(customer_id, key)
        if existing is None:
            raise
        return existing
    return ticket


def _create(draft: WizardDraft, actor: Actor) -> Ticket:
    data = draft.data
    now = utcnow()
    kind = wizard.request_type(data["type_code"])
    product_id = int(data["product_id"]) if data.get("product_id") else None
    code = wizard.chosen_code(draft)  # validated above: the customer's own, for this product
    ticket = Ticket(
        number=numbers.next_number(),
        customer_id=draft.customer_id,
        draft_key=draft.draft_key,
        request_type_id=kind.id,
        product_id=product_id,
        activation_code_id=code.code_id if code else None,
        subject=data["subject"],
        description=data["description"],
        os_name=data.get("os_name"),
        product_version=data.get("product_version") or None,
        status=TicketStatus.NEW,
        priority=TicketPriority.NORMAL,
        paused_seconds=0,
        created_at=now,
        last_activity_at=now,
        customer_wrote_at=now,
        unanswered_since=now,
    )
    sla.set_due_times(ticket, kind.code, now)
    db.session.add(ticket)
    db.session.flush()  # the unique (customer, draft_key) speaks here when two submits race
    message = TicketMessage(ticket_id=ticket.id, kind=MessageKind.REPLY, author_kind=AuthorKind.CUSTOMER,
                            author_customer_id=draft.customer_id, author_label=actor.label or "customer",
                            body=data["description"], created_at=now)
    db.session.add(message)
    db.session.flush()
    db.session.execute(update(Attachment).where(Attachment.draft_id == draft.id)
                       .values(ticket_id=ticket.id, message_id=message.id, draft_id=None))
    draft.ticket_id = ticket.id
    db.session.refresh(ticket)
    created = {"number": ticket.number, "type": kind.code}
    if code:
        created["code"] = code.code
    log_event(ticket, actor, "created", None, created)
    lab_link.auto_send(ticket, list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)
                                                       .order_by(Attachment.id))))
    notify.tell_created(ticket)
    staff_notices.tell_new_ticket(ticket, actor)
    return ticket
