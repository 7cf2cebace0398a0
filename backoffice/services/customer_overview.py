"""What the console's customer page shows: the customer's codes with their state, tickets, Virus Lab requests,
security events and internal notes, each the newest SHOWN rows with a capped count of all of them.

Every list is one statement over an index that starts with the customer (`... WHERE customer_id = ? ORDER BY
id DESC LIMIT 20`), and all the counts are one more statement, each reading at most COUNT_LIMIT + 1 index
entries: a customer with 10,000 tickets costs the same statements, and nearly the same time, as one with 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, literal, select
from sqlalchemy.orm import selectinload

from backoffice.extensions import db
from backoffice.models import (
    ActivationCode,
    AuditEvent,
    CodeRegistration,
    CustomerNote,
    Product,
    StaffUser,
    Submission,
    SubmissionFile,
    SupportRequestType,
    Ticket,
)
from backoffice.services import customer_security
from backoffice.services.counting import Count
from backoffice.services.licensing.states import Standing, standings

SHOWN = 20  # rows per section
COUNT_LIMIT = 1_000  # counted exactly up to this, then "more than 1,000"
SECTIONS = ("codes", "tickets", "lab_requests", "events", "notes")


@dataclass(frozen=True)
class HeldCode:
    registration_id: int
    code: ActivationCode  # with its product
    added_at: datetime
    standing: Standing  # licensing's one answer for the code: state, reason, seats, transfers


@dataclass(frozen=True)
class Section:
    rows: list
    total: Count

    @property
    def has_more(self) -> bool:
        return not self.total.exact or self.total.value > len(self.rows)


def _held_codes(customer_id: int) -> Select:
    return select(CodeRegistration.id).where(CodeRegistration.customer_id == customer_id,
                                             CodeRegistration.removed_at.is_(None))


def _security_events(customer_id: int) -> Select:
    # the same rows customer_security.security_events reads: (object type, object id) is the index
    return select(AuditEvent.id).where(AuditEvent.object_type == "customers",
                                       AuditEvent.object_id == str(customer_id))


def _row_queries(customer_id: int) -> dict[str, Select]:
    """Per section, the rows that its count counts (only their keys: the index answers without the table)."""
    return {
        "codes": _held_codes(customer_id),
        "tickets": select(Ticket.id).where(Ticket.customer_id == customer_id),
        "lab_requests": select(Submission.id).where(Submission.customer_id == customer_id),
        "events": _security_events(customer_id),
        "notes": select(CustomerNote.id).where(CustomerNote.customer_id == customer_id),
    }


def _capped(query: Select) -> ColumnElement[int]:
    return select(func.count()).select_from(query.limit(COUNT_LIMIT + 1).subquery()).scalar_subquery()


def _counts(customer_id: int, sections: tuple[str, ...]) -> dict[str, Count]:
    queries = _row_queries(customer_id)
    row = db.session.execute(select(literal(1), *[_capped(queries[name]).label(name) for name in sections])).one()
    return {name: Count(row._mapping[name], exact=True) if row._mapping[name] <= COUNT_LIMIT
            else Count(COUNT_LIMIT, exact=False, floor=True) for name in sections}


def _codes(customer_id: int) -> list[HeldCode]:
    rows = db.session.execute(
        select(CodeRegistration.id, CodeRegistration.added_at, ActivationCode)
        .join(ActivationCode, ActivationCode.id == CodeRegistration.code_id)
        .where(CodeRegistration.customer_id == customer_id, CodeRegistration.removed_at.is_(None))
        .order_by(CodeRegistration.added_at.desc(), CodeRegistration.id.desc()).limit(SHOWN)).all()
    by_code = standings(code.id for _, _, code in rows)  # one statement: the sidebar's and the portal's answer
    return [HeldCode(registration_id, code, added_at, by_code[code.id]) for registration_id, added_at, code in rows]


@dataclass(frozen=True)
class TicketRow:
    number: str
    subject: str
    request_type: str
    product: str | None
    status: str
    priority: str
    assignee: str | None
    created_at: datetime
    last_activity_at: datetime


def _tickets(customer_id: int) -> list[TicketRow]:
    # the columns the page shows, not Ticket entities with their four joined relations (the customer's own
    # row once per ticket among them): a third of the page's time at 20 rows; ix_tickets_customer_id serves it
    rows = db.session.execute(
        select(Ticket.number, Ticket.subject, SupportRequestType.name, Product.name, Ticket.status,
               Ticket.priority, StaffUser.name, Ticket.created_at, Ticket.last_activity_at)
        .join(SupportRequestType, SupportRequestType.id == Ticket.request_type_id)
        .outerjoin(Product, Product.id == Ticket.product_id)
        .outerjoin(StaffUser, StaffUser.id == Ticket.assignee_id)
        .where(Ticket.customer_id == customer_id).order_by(Ticket.id.desc()).limit(SHOWN))
    return [TicketRow(*row) for row in rows]


def _lab_requests(customer_id: int) -> list[Submission]:
    # each row shows its overall verdict, read from its files' samples: two more statements, not two a row
    return list(db.session.scalars(
        select(Submission).where(Submission.customer_id == customer_id).order_by(Submission.id.desc())
        .limit(SHOWN).options(selectinload(Submission.files).selectinload(SubmissionFile.sample))))


def _events(customer_id: int) -> list[AuditEvent]:
    return customer_security.security_events(customer_id, SHOWN)


def _notes(customer_id: int) -> list[CustomerNote]:
    return list(db.session.scalars(select(CustomerNote).where(CustomerNote.customer_id == customer_id)
                                   .order_by(CustomerNote.id.desc()).limit(SHOWN)))


_READERS = {"codes": _codes, "tickets": _tickets, "lab_requests": _lab_requests, "events": _events,
            "notes": _notes}


def customer_overview(customer_id: int, sections: tuple[str, ...] = SECTIONS) -> dict[str, Section]:
    """The page's `sections` (those the viewer may read), each its newest SHOWN rows and the count of all."""
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections {sorted(unknown)}")
    counts = _counts(customer_id, sections)
    return {name: Section(_READERS[name](customer_id), counts[name]) for name in sections}
