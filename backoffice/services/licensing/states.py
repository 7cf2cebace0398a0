"""A code's state (valid, not yet valid, expired, blacklisted): computed from its dates and the blacklist
at a moment, in Python for one code and as SQL for lists and filters. The blacklist wins over the dates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, not_, select

from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, CodeState


def in_force_entry(code_id) -> ColumnElement[bool]:
    return exists().where(BlacklistEntry.code_id == code_id, BlacklistEntry.lifted_at.is_(None))


def is_blacklisted(code_id: int) -> bool:
    return bool(db.session.scalar(select(in_force_entry(code_id))))


def state_of(code: ActivationCode, blacklisted: bool, now: datetime) -> CodeState:
    if blacklisted:
        return CodeState.BLACKLISTED
    if now < code.valid_from:
        return CodeState.NOT_YET_VALID
    if now >= code.expires_at:
        return CodeState.EXPIRED
    return CodeState.VALID


def state_condition(state: str, now: datetime) -> ColumnElement[bool]:
    """SQL for "codes in `state` at `now`", consistent with `state_of`."""
    listed = in_force_entry(ActivationCode.id)
    if state == CodeState.BLACKLISTED:
        return listed
    dates = {
        CodeState.NOT_YET_VALID: ActivationCode.valid_from > now,
        CodeState.EXPIRED: ActivationCode.expires_at <= now,
        CodeState.VALID: and_(ActivationCode.valid_from <= now, ActivationCode.expires_at > now),
    }
    if state not in dates:
        raise ValueError(f"unknown state {state!r}")
    return and_(dates[state], not_(listed))
