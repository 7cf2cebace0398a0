"""Who a person on a ticket is, by name: the thread and the history show "Sam Support" and the customer's name,
never the e-mail address the rows keep (messages keep the author's id, history rows the actor's address)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, literal, select, union_all

from backoffice.extensions import db
from backoffice.models import Customer, StaffUser, Ticket, TicketMessage
from backoffice.models.support import AuthorKind

MAX_LOOKUPS = 500  # one page's worth of distinct people; past that a label stays as it was written
CUSTOMER_FALLBACK = "The customer"
SYSTEM = "The system"


def customer_name(ticket: Ticket) -> str:
    customer = ticket.customer
    if customer is None:
        return "Former customer"
    return customer.name or customer.email


def staff_names_by_address(addresses: Iterable[str]) -> dict[str, str]:
    wanted = sorted({a.lower() for a in addresses if a and "@" in a})[:MAX_LOOKUPS]
    if not wanted:
        return {}
    return dict(db.session.execute(select(StaffUser.email, StaffUser.name).where(StaffUser.email.in_(wanted))).all())


def actor_names(ticket: Ticket, labels: Iterable[str]) -> dict[str, str]:
    """Each history actor label (a staff or customer address, "FTP TS-…", a system job's name) as a name."""
    labels = set(labels)
    staff = staff_names_by_address(labels)
    customer = ticket.customer
    names = {}
    for label in labels:
        lowered = (label or "").lower()
        if lowered in staff:
            names[label] = staff[lowered]
        elif (customer is not None and lowered == customer.email) or lowered.startswith("ftp "):
            names[label] = customer_name(ticket)
        elif "@" in lowered:  # a customer address of a ticket merged in, or a colleague whose address changed
            names[label] = _customer_by_address(lowered) or label
        else:
            names[label] = SYSTEM
    return names


def _customer_by_address(address: str) -> str | None:
    return db.session.scalar(select(func.coalesce(Customer.name, Customer.email))
                             .where(Customer.email == address))


def author_names(messages: list[TicketMessage]) -> dict[int, str]:
    """Each message's author by name, by message id: staff and customers by their current name; a deleted
    author by the label the message kept."""
    staff_ids = {m.author_staff_id for m in messages if m.author_staff_id}
    customer_ids = {m.author_customer_id for m in messages if m.author_customer_id}
    staff, customers = {}, {}
    if staff_ids or customer_ids:  # both kinds in one statement, whichever the thread holds
        rows = db.session.execute(union_all(
            select(literal("staff").label("kind"), StaffUser.id, StaffUser.name.label("name"))
            .where(StaffUser.id.in_(staff_ids)),
            select(literal("customer"), Customer.id, func.coalesce(Customer.name, Customer.email))
            .where(Customer.id.in_(customer_ids))))
        for kind, author_id, name in rows:
            (staff if kind == "staff" else customers)[author_id] = name
    names = {}
    for m in messages:
        if m.author_kind == AuthorKind.STAFF:
            names[m.id] = staff.get(m.author_staff_id) or m.author_label or "A former colleague"
        elif m.author_kind == AuthorKind.CUSTOMER:
            names[m.id] = customers.get(m.author_customer_id) or CUSTOMER_FALLBACK
        else:
            names[m.id] = SYSTEM
    return names
