"""What staff see about one code: its state, who holds it, who held it before, its blacklist history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, CodeRegistration, Customer
from backoffice.services.licensing.codes import transfers_in_window
from backoffice.services.licensing.states import state_of

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
    state: str
    holders: list[HoldingRow]
    history: list[HoldingRow]
    blacklist: list[BlacklistEntry]
    transfers_in_window: int
    transfer_cap: int
    window_days: int


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
    listed = any(entry.lifted_at is None for entry in entries)
    return CodeDetail(
        state=state_of(code, listed, utcnow()).value,
        holders=[row for row in history if row.removed_at is None],
        history=history,
        blacklist=entries,
        transfers_in_window=transfers_in_window(code.id),
        transfer_cap=current_app.config["CODE_TRANSFERS_PER_WINDOW"],
        window_days=current_app.config["CODE_TRANSFER_WINDOW_DAYS"],
    )
