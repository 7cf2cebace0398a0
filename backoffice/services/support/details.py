"""What the console's ticket page shows beside the thread: the customer's codes, the history, who can take it."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CodeRegistration, StaffUser, Ticket, TicketEvent
from backoffice.services.support.staff_actions import ASSIGNABLE_ROLES


def customer_codes(customer_id: int, limit: int = 50) -> list[CodeRegistration]:
    """The activation codes the customer holds now, newest first."""
    return list(db.session.scalars(
        select(CodeRegistration).where(CodeRegistration.customer_id == customer_id,
                                       CodeRegistration.removed_at.is_(None))
        .order_by(CodeRegistration.added_at.desc()).limit(limit)).unique())


def history(ticket: Ticket) -> list[TicketEvent]:
    return list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                   .order_by(TicketEvent.id)))


def assignable_staff() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).where(StaffUser.role.in_(ASSIGNABLE_ROLES),
                                                           StaffUser.is_active.is_(True))
                                   .order_by(StaffUser.name)))


def merged_from(ticket: Ticket) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.merged_into_id == ticket.id).order_by(Ticket.id)))
