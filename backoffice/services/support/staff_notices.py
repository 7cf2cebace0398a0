"""Notification mails to staff about tickets: a new ticket in a queue they work, the customer wrote on a ticket
assigned to them, a ticket assigned to them.

Each is queued in the transaction of the change (a change rolled back mails nobody), by the one service function
that makes the change, so the portal, the console and mail intake all cause the same notices. Never to the person
who made the change, never to an inactive (locked) account, never for a kind the person switched off on their
profile page (every kind is on until then). Each is threaded per ticket in the staff member's own mailbox; it
carries no ticket reply address: answering a ticket is done in the console.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import StaffNotice, StaffNoticeOptOut, StaffQueue, StaffRole, StaffUser, Ticket, TicketMessage
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.locking import locked
from backoffice.services.support.people import customer_name

N = StaffNotice

# what each switch says on the profile page, in the order shown
NOTICE_LABELS = {
    N.NEW_TICKET: "A new ticket arrives in one of the queues I work",
    N.CUSTOMER_REPLIED: "The customer writes on a ticket assigned to me",
    N.ASSIGNED: "Someone else assigns a ticket to me",
}
# the same, as the audit log names what was on before and after
NOTICE_NAMES = {N.NEW_TICKET: "new tickets in my queues", N.CUSTOMER_REPLIED: "customer replies on my tickets",
                N.ASSIGNED: "tickets assigned to me"}
# the notices that can happen to each role: only support engineers work queues; analysts are never assigned tickets
NOTICES_BY_ROLE = {
    StaffRole.SUPPORT: (N.NEW_TICKET, N.CUSTOMER_REPLIED, N.ASSIGNED),
    StaffRole.ADMIN: (N.CUSTOMER_REPLIED, N.ASSIGNED),
    StaffRole.ANALYST: (),
}


def notices_for(staff: StaffUser) -> tuple[StaffNotice, ...]:
    return NOTICES_BY_ROLE.get(staff.role, ())


def switched_on(staff: StaffUser) -> set[StaffNotice]:
    off = set(db.session.scalars(select(StaffNoticeOptOut.notice).where(StaffNoticeOptOut.staff_id == staff.id)))
    return {notice for notice in notices_for(staff) if notice not in off}


def save_switches(staff: StaffUser, chosen: list[str], actor: Actor) -> dict:
    """Save which notices a staff member wants (the ones not chosen are switched off); returns what changed
    (empty: nothing did). A choice that is not one of the role's notices is refused and nothing is written."""
    offered = notices_for(staff)
    if any(value not in offered for value in chosen):
        raise ServiceError("Choose notifications from the list.", "notices")
    staff = locked(staff)  # two tabs saving at once take turns: the later choice wins, whole
    before = switched_on(staff)
    after = {notice for notice in offered if notice in chosen}
    if before == after:
        return {}
    db.session.execute(delete(StaffNoticeOptOut).where(StaffNoticeOptOut.staff_id == staff.id))
    db.session.add_all(StaffNoticeOptOut(staff_id=staff.id, notice=notice) for notice in offered
                       if notice not in after)
    change = {"on": _names(after)}
    record(actor, "staff.notices_updated", staff, before={"on": _names(before)}, after=change)
    try:
        db.session.commit()
    except IntegrityError:  # SQLite has no row lock to wait on; PostgreSQL waits above and never gets here
        db.session.rollback()
        raise ServiceError("Your notifications were changed at the same time; choose them again.",
                           "notices") from None
    return change


def _names(notices: set[StaffNotice]) -> str:
    return ", ".join(NOTICE_NAMES[notice] for notice in N if notice in notices) or "none"


def _wanting(query, notice: StaffNotice, actor: Actor):
    """The staff of `query` who get `notice` for a change `actor` made."""
    query = query.where(StaffUser.is_active.is_(True),
                        ~exists().where(StaffNoticeOptOut.staff_id == StaffUser.id,
                                        StaffNoticeOptOut.notice == notice))
    if actor.kind == "staff" and actor.id is not None:
        query = query.where(StaffUser.id != actor.id)
    return [staff for staff in db.session.scalars(query.order_by(StaffUser.id)) if notice in notices_for(staff)]


def _mail(staff: StaffUser, ticket: Ticket, subject: str, template: str, **context) -> None:
    url = f"{current_app.config['PUBLIC_URL'].rstrip('/')}/console/tickets/{ticket.number}"
    queue_mail(staff.email, f"[{ticket.number}] {subject}", template, ticket_id=ticket.id, staff=staff,
               ticket=ticket, customer=customer_name(ticket), ticket_url=url, **context)


def tell_new_ticket(ticket: Ticket, actor: Actor) -> None:
    """The support engineers who work the ticket's queue."""
    query = (select(StaffUser).join(StaffQueue, StaffQueue.staff_id == StaffUser.id)
             .where(StaffQueue.request_type_id == ticket.request_type_id))
    for staff in _wanting(query, N.NEW_TICKET, actor):
        _mail(staff, ticket, f"New request in {ticket.request_type.name}: {ticket.subject}", "staff_new_ticket")


def tell_customer_replied(ticket: Ticket, message: TicketMessage, actor: Actor) -> None:
    """The ticket's assignee."""
    if ticket.assignee_id is None:
        return
    for staff in _wanting(select(StaffUser).where(StaffUser.id == ticket.assignee_id), N.CUSTOMER_REPLIED, actor):
        _mail(staff, ticket, f"The customer wrote: {ticket.subject}", "staff_customer_replied", message=message)


def tell_assigned(ticket: Ticket, actor: Actor) -> None:
    """The new assignee, when someone else assigned the ticket to them."""
    if ticket.assignee_id is None:
        return
    by = db.session.get(StaffUser, actor.id) if actor.kind == "staff" and actor.id is not None else None
    for staff in _wanting(select(StaffUser).where(StaffUser.id == ticket.assignee_id), N.ASSIGNED, actor):
        _mail(staff, ticket, f"Assigned to you: {ticket.subject}", "staff_assigned",
              assigned_by=by.name if by else "The system")
