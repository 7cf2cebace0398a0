"""A code's state and standing: the one place that decides what a code is, for portal, console and queue.

- `state_of(code, blacklisted, now)` / `state_condition(state, now)`: valid, not yet valid, expired, blacklisted,
  in Python for one code and as SQL for lists. The blacklist wins over the dates.
- `standing(code_id, now=None) -> Standing | None` and `standings(code_ids, now=None) -> dict[int, Standing]`:
  the whole picture staff and customers see (state with the blacklist entry's reason and note, "expiring within
  CODE_EXPIRING_SOON_DAYS", seats used/total, transfers used in the window and whether the cap is reached), in one
  statement for any number of codes, so a page of codes costs one query.
- `problem_condition(problem, now)` / `any_problem_condition(now)`: SQL over ActivationCode for "codes with this
  problem" (blacklisted, expired, no free seat, transfer cap reached), consistent with `Standing.problems`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, CodeRegistration, CodeState
from backoffice.services.licensing.blacklist import REASON_LABELS

STATE_LABELS = {
    CodeState.VALID: "Valid",
    CodeState.NOT_YET_VALID: "Not yet valid",
    CodeState.EXPIRED: "Expired",
    CodeState.BLACKLISTED: "Blacklisted",
}


class CodeProblem(StrEnum):
    """What stops a code from working for a customer now; the queue's "code problem" filter offers these."""

    BLACKLISTED = "blacklisted"
    EXPIRED = "expired"
    NO_FREE_SEAT = "no_free_seat"
    TRANSFER_CAP_REACHED = "transfer_cap_reached"


PROBLEM_LABELS = {
    CodeProblem.BLACKLISTED: "Blacklisted",
    CodeProblem.EXPIRED: "Expired",
    CodeProblem.NO_FREE_SEAT: "No free seat",
    CodeProblem.TRANSFER_CAP_REACHED: "Transfer cap reached",
}


def in_force_entry(code_id) -> ColumnElement[bool]:
    return exists().where(BlacklistEntry.code_id == code_id, BlacklistEntry.lifted_at.is_(None))


def is_blacklisted(code_id: int) -> bool:
    return bool(db.session.scalar(select(in_force_entry(code_id))))


def state_of(code, blacklisted: bool, now: datetime) -> CodeState:
    """`code` is anything with valid_from and expires_at (an ActivationCode or a row of one)."""
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


def transfer_cap_reached(transfers_used: int, extra_transfers: int, cap: int) -> bool:
    """No further transfer is possible: the window's transfers are used up and support granted none extra."""
    return transfers_used >= cap and extra_transfers < 1


def window_start(now: datetime) -> datetime:
    return now - timedelta(days=current_app.config["CODE_TRANSFER_WINDOW_DAYS"])


def transfers_since(code_id, since: datetime):
    """A scalar subquery: transfers of the code since `since` (walks ix_code_registrations_code_added)."""
    return (select(func.count()).select_from(CodeRegistration)
            .where(CodeRegistration.code_id == code_id, CodeRegistration.is_transfer.is_(True),
                   CodeRegistration.added_at >= since)
            .scalar_subquery())


@dataclass(frozen=True)
class Standing:
    """Everything that decides whether a code works, as of `now`."""

    code_id: int
    code: str
    state: CodeState
    valid_from: datetime
    expires_at: datetime
    expiring_soon: bool  # valid, and ends within CODE_EXPIRING_SOON_DAYS
    blacklist_reason: str | None  # the entry in force, if any
    blacklist_note: str | None
    blacklisted_at: datetime | None
    seats_used: int
    seats_total: int
    transfers_used: int  # in the last CODE_TRANSFER_WINDOW_DAYS
    transfer_cap: int
    extra_transfers: int  # granted by support beyond the cap
    window_days: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def reason_label(self) -> str | None:
        if self.blacklist_reason is None:
            return None
        return REASON_LABELS.get(self.blacklist_reason, self.blacklist_reason.replace("_", " ").capitalize())

    @property
    def seat_free(self) -> bool:
        return self.seats_used < self.seats_total

    @property
    def cap_reached(self) -> bool:
        return transfer_cap_reached(self.transfers_used, self.extra_transfers, self.transfer_cap)

    @property
    def problems(self) -> tuple[CodeProblem, ...]:
        found = []
        if self.state is CodeState.BLACKLISTED:
            found.append(CodeProblem.BLACKLISTED)
        elif self.state is CodeState.EXPIRED:
            found.append(CodeProblem.EXPIRED)
        if not self.seat_free:
            found.append(CodeProblem.NO_FREE_SEAT)
        if self.cap_reached:
            found.append(CodeProblem.TRANSFER_CAP_REACHED)
        return tuple(found)

    @property
    def is_active(self) -> bool:
        return self.state is CodeState.VALID

    @property
    def badge(self) -> str:
        """The Bootstrap colour of the state's badge."""
        if self.state is CodeState.VALID:
            return "warning" if self.expiring_soon else "success"
        return {CodeState.BLACKLISTED: "danger", CodeState.EXPIRED: "secondary"}.get(self.state, "info")

    @property
    def summary(self) -> str:
        """One line for people: the state, then what qualifies it."""
        if self.state is CodeState.BLACKLISTED:
            return f"Blacklisted: {self.reason_label}"
        if self.state is CodeState.VALID and self.expiring_soon:
            return f"Valid, expires {self.expires_at:%Y-%m-%d %H:%M} UTC"
        if self.state is CodeState.NOT_YET_VALID:
            return f"Not yet valid, from {self.valid_from:%Y-%m-%d %H:%M} UTC"
        return self.state_label


def _standing_query(code_ids: list[int], now: datetime):
    since = window_start(now)
    return (
        select(ActivationCode.id, ActivationCode.code, ActivationCode.valid_from, ActivationCode.expires_at,
               ActivationCode.seats, ActivationCode.seats_taken, ActivationCode.extra_transfers, BlacklistEntry.reason,
               BlacklistEntry.note, BlacklistEntry.created_at, transfers_since(ActivationCode.id, since))
        # uq_blacklist_entries_in_force: at most one entry in force per code, so the join adds no rows
        .outerjoin(BlacklistEntry, and_(BlacklistEntry.code_id == ActivationCode.id,
                                        BlacklistEntry.lifted_at.is_(None)))
        .where(ActivationCode.id.in_(code_ids))
    )


def standings(code_ids: Iterable[int | None], now: datetime | None = None) -> dict[int, Standing]:
    """The standing of each code, by id, in one statement; ids of no code are left out."""
    ids = sorted({code_id for code_id in code_ids if code_id is not None})
    if not ids:
        return {}
    now = now or utcnow()
    config = current_app.config
    soon = now + timedelta(days=config["CODE_EXPIRING_SOON_DAYS"])
    found = {}
    for row in db.session.execute(_standing_query(ids, now)):
        (code_id, code, valid_from, expires_at, seats, seats_taken, extra, reason, note, listed_at, transfers) = row
        state = state_of(row, reason is not None, now)
        found[code_id] = Standing(
            code_id=code_id, code=code, state=state, valid_from=valid_from, expires_at=expires_at,
            expiring_soon=state is CodeState.VALID and expires_at <= soon,
            blacklist_reason=reason, blacklist_note=note, blacklisted_at=listed_at,
            seats_used=seats_taken, seats_total=seats, transfers_used=transfers or 0,
            transfer_cap=config["CODE_TRANSFERS_PER_WINDOW"], extra_transfers=extra,
            window_days=config["CODE_TRANSFER_WINDOW_DAYS"],
        )
    return found


def standing(code_id: int, now: datetime | None = None) -> Standing | None:
    """One code's standing; None when there is no such code."""
    return standings([code_id], now).get(code_id)


def problem_condition(problem: str, now: datetime) -> ColumnElement[bool]:
    """SQL for "codes with `problem` at `now`", consistent with `Standing.problems`."""
    if problem == CodeProblem.BLACKLISTED:
        return state_condition(CodeState.BLACKLISTED, now)
    if problem == CodeProblem.EXPIRED:
        return state_condition(CodeState.EXPIRED, now)
    if problem == CodeProblem.NO_FREE_SEAT:
        return ActivationCode.seats_taken >= ActivationCode.seats  # the partial index ix_activation_codes_full
    if problem == CodeProblem.TRANSFER_CAP_REACHED:
        # from the window's transfers (ix_code_registrations_transfers: few rows), not a count per code
        cap = current_app.config["CODE_TRANSFERS_PER_WINDOW"]
        capped = (select(CodeRegistration.code_id)
                  .where(CodeRegistration.is_transfer.is_(True), CodeRegistration.added_at >= window_start(now))
                  .group_by(CodeRegistration.code_id).having(func.count() >= cap))
        return and_(ActivationCode.extra_transfers < 1, ActivationCode.id.in_(capped))
    raise ValueError(f"unknown problem {problem!r}")


def any_problem_condition(now: datetime) -> ColumnElement[bool]:
    return or_(*(problem_condition(problem, now) for problem in CodeProblem))


def names_code_with_problem(code_id_column, problem: str, now: datetime) -> ColumnElement[bool]:
    """SQL for rows of another table (tickets) whose `code_id_column` names a code with `problem` ("any": one
    of them), for lists read newest first.

    Blacklisted, expired and no free seat are a probe by key for each row read (a correlated scalar subquery,
    which the planner keeps per row instead of first collecting every code with the problem: 100,000 blacklisted
    codes among 5M made that hash cost more than the page). Transfer cap reached starts from the window's few
    transfers instead."""
    if problem == "any":
        return or_(*(names_code_with_problem(code_id_column, each, now) for each in CodeProblem))
    if problem == CodeProblem.TRANSFER_CAP_REACHED:
        return code_id_column.in_(select(ActivationCode.id).where(problem_condition(problem, now)))
    probe = select(ActivationCode.id).where(ActivationCode.id == code_id_column, problem_condition(problem, now))
    return probe.scalar_subquery().is_not(None)
