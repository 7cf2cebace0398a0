"""What staff see about one code: its state, who holds it, who held it before, its blacklist history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, CodeRegistration, Customer
from backoffice.services.licensing.states import Standing, standing

HISTORY_LIMIT = 200  # rows of registration history on the page; a code rarely has more


@dataclass(frozen=True)
class HoldingRow:
    registration_id: int
    customer_id: int
    email: str
    added_at: datetime
    removed_at: datetime | None
    is_transfer: bool


@dataclass(frozen=True)
class CodeDetail:
    standing: Standing  # the one the ticket sidebar, the queue and the customer's own page show
    holders: list[HoldingRow]
    history: list[HoldingRow]
    blacklist: list[BlacklistEntry]

    @property
    def state(self) -> str:
        return self.standing.state.value

    @property
    def transfers_in_window(self) -> int:
        return self.standing.transfers_used

    @property
    def transfer_cap(self) -> int:
        return self.standing.transfer_cap

    @property
    def window_days(self) -> int:
        return self.standing.window_days


def code_detail(code: ActivationCode) -> CodeDetail:
    rows = db.session.execute(
        select(CodeRegistration.id, Customer.id, Customer.email, CodeRegistration.added_at,
               CodeRegistration.removed_at, CodeRegistration.is_transfer)
        .join(Customer, Customer.id == CodeRegistration.customer_id)
        .where(CodeRegistration.code_id == code.id)
        .order_by(CodeRegistration.added_at.desc(), CodeRegistration.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    history = [HoldingRow(*row) for row in rows]
    entries = list(db.session.scalars(select(BlacklistEntry).where(BlacklistEntry.code_id == code.id)
                                      .order_by(BlacklistEntry.created_at.desc())))
    return CodeDetail(
        standing=standing(code.id),
        holders=[row for row in history if row.removed_at is None],
        history=history,
        blacklist=entries,
    )
