"""What the console's ticket page shows beside the thread: the customer's codes, the history, who can take it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, Product, StaffUser, Ticket, TicketEvent
from backoffice.services.licensing.states import Standing, standings
from backoffice.services.support.staff_actions import ASSIGNABLE_ROLES

HISTORY_MAX = 500  # a ticket's whole life fits; a runaway one shows its latest entries
SIDEBAR_CODES = 50  # a customer rarely holds more; the customer's page lists them all


@dataclass(frozen=True)
class SidebarCode:
    """One of the customer's codes as the ticket page shows it, with its standing (states.standing)."""

    code_id: int
    product: str
    standing: Standing
    held: bool  # registered to the customer now (the ticket's own code may have been removed since)
    is_ticket_code: bool

    @property
    def code(self) -> str:
        return self.standing.code


def customer_codes(customer_id: int, ticket_code_id: int | None = None,
                   limit: int = SIDEBAR_CODES) -> list[SidebarCode]:
    """The codes the customer holds now, newest first, each with its real standing; the ticket's own code is
    first and is there even when the customer no longer holds it. Two statements whatever the count."""
    rows = db.session.execute(
        select(ActivationCode.id, Product.name)
        .join(CodeRegistration, CodeRegistration.code_id == ActivationCode.id)
        .join(Product, Product.id == ActivationCode.product_id)
        .where(CodeRegistration.customer_id == customer_id, CodeRegistration.removed_at.is_(None))
        .order_by(CodeRegistration.added_at.desc(), CodeRegistration.id.desc()).limit(limit)).all()
    products = dict(rows)
    held = set(products)
    if ticket_code_id is not None and ticket_code_id not in products:
        products[ticket_code_id] = db.session.scalar(
            select(Product.name).join(ActivationCode, ActivationCode.product_id == Product.id)
            .where(ActivationCode.id == ticket_code_id))
    by_code = standings(products)
    order = ([ticket_code_id] if ticket_code_id in by_code else []) + [i for i, _ in rows if i != ticket_code_id]
    return [SidebarCode(code_id, products[code_id], by_code[code_id], code_id in held, code_id == ticket_code_id)
            for code_id in order if code_id in by_code]


def history(ticket: Ticket, limit: int = HISTORY_MAX) -> list[TicketEvent]:
    """The ticket's history, oldest first: the latest `limit` entries."""
    latest = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                     .order_by(TicketEvent.id.desc()).limit(limit)))
    return latest[::-1]


def assignable_staff() -> list[StaffUser]:
    return list(db.session.scalars(select(StaffUser).where(StaffUser.role.in_(ASSIGNABLE_ROLES),
                                                           StaffUser.is_active.is_(True))
                                   .order_by(StaffUser.name)))


def merged_from(ticket: Ticket) -> list[Ticket]:
    return list(db.session.scalars(select(Ticket).where(Ticket.merged_into_id == ticket.id).order_by(Ticket.id)))
