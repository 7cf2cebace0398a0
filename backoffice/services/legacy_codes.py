"""Personal Cabinet codes (FAQ §02) becoming the claimed account's activation codes.

On claim, each imported code goes through the one decision the codes page uses (licensing.codes.
add_in_transaction): the same seat, blacklist, validity and transfer rules, in the claim's transaction. What each
gave is kept on the legacy row, so the customer's codes page lists the refused ones with their reason, and each
refusal is an audit entry on the customer for staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, LegacyCode
from backoffice.security import Actor
from backoffice.services.audit import record
from backoffice.services.licensing.codes import AddResult, add_in_transaction, customer_codes
from backoffice.services.licensing.refusals import refusal_message


@dataclass(frozen=True)
class RefusedCode:
    code: str
    outcome: str  # the AddResult value
    reason: str  # as the customer reads it
    resolved_at: datetime


def place_legacy_codes(customer: Customer, actor: Actor) -> tuple[int, list[RefusedCode]]:
    """Add every not yet placed Personal Cabinet code of `customer`, in the caller's transaction (no commit).
    Returns how many were added and the refused ones. Codes go in sorted order, so claims holding overlapping
    codes lock the code rows in the same order (no deadlock on PostgreSQL)."""
    pending = db.session.scalars(select(LegacyCode).where(
        LegacyCode.customer_id == customer.id, LegacyCode.outcome.is_(None)).order_by(LegacyCode.code)).all()
    added, refused = 0, []
    now = utcnow()
    for legacy in pending:
        outcome = add_in_transaction(customer, legacy.code, actor)
        legacy.outcome, legacy.resolved_at = outcome.result.value, now
        if outcome.added:
            added += 1
            continue
        legacy.reason = refusal_message(outcome)
        refused.append(RefusedCode(legacy.code, legacy.outcome, legacy.reason, now))
        record(actor, "customer.legacy_code_refused", customer, label=customer.email,
               after={"code": legacy.code, "result": legacy.outcome, "reason": legacy.reason})
    db.session.flush()
    return added, refused


def refused_legacy_codes(customer_id: int) -> list[RefusedCode]:
    """The customer's Personal Cabinet codes that could not be added on claim and are still not on the account
    (a code added later through the codes page drops off the list)."""
    held = {h.code for h in customer_codes(customer_id)}
    rows = db.session.scalars(select(LegacyCode).where(
        LegacyCode.customer_id == customer_id, LegacyCode.outcome.is_not(None),
        LegacyCode.outcome != AddResult.ADDED.value).order_by(LegacyCode.code)).all()
    return [RefusedCode(r.code, r.outcome, r.reason or "", r.resolved_at) for r in rows if r.code not in held]
