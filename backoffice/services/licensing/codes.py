"""A customer's activation codes (FAQ §10-11): add one, list them, remove one.

Adding checks, in this fixed order: malformed, unknown, blacklisted, not yet valid, expired, already on the
account, transfer cap, free seat. The seat limit holds under concurrency on every backend:
- PostgreSQL: the code row is locked (SELECT ... FOR UPDATE) for the whole check-and-take, so concurrent
  adds of one code queue behind each other and each sees the seats the previous one took;
- everywhere: the seat is taken by a conditional UPDATE (`seats_taken < seats`), a CHECK constraint keeps
  seats_taken <= seats, and a partial unique index keeps one active holding per customer and code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, CodeState, Customer, Product
from backoffice.security import Actor
from backoffice.services import webhooks
from backoffice.services.audit import record
from backoffice.services.licensing.normalise import normalise_code
from backoffice.services.licensing.states import (
    Standing,
    is_blacklisted,
    standings,
    state_of,
    transfer_cap_reached,
    transfers_since,
    window_start,
)


class AddResult(StrEnum):
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    BLACKLISTED = "blacklisted"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    ALREADY_YOURS = "already_yours"
    TRANSFER_CAP_REACHED = "transfer_cap_reached"
    NO_SEAT_LEFT = "no_seat_left"
    ADDED = "added"


@dataclass(frozen=True)
class AddOutcome:
    result: AddResult
    code: str | None = None  # the canonical code, once the input could be read as one
    valid_from: datetime | None = None  # for "not yet valid": when it will be
    transfer_cap: int | None = None

    @property
    def added(self) -> bool:
        return self.result is AddResult.ADDED


def lock_code(canonical: str) -> ActivationCode | None:
    """The code row, locked until the transaction ends on PostgreSQL (SQLite has no row locks; the
    conditional updates below keep it correct there)."""
    query = (select(ActivationCode).where(ActivationCode.code == canonical)
             .options(lazyload(ActivationCode.product)).execution_options(populate_existing=True))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=ActivationCode)
    return db.session.scalar(query)


def add_code(customer: Customer, raw_code: str, actor: Actor) -> AddOutcome:
    canonical = normalise_code(raw_code)
    if canonical is None:
        return AddOutcome(AddResult.MALFORMED)
    try:
        outcome = add_in_transaction(customer, canonical, actor)
    except IntegrityError:
        # the partial unique index: the same customer added the same code in a parallel request
        db.session.rollback()
        return AddOutcome(AddResult.ALREADY_YOURS, canonical)
    if outcome.added:
        db.session.commit()
    else:
        db.session.rollback()  # releases the row lock; a refusal writes nothing
    return outcome


def add_in_transaction(customer: Customer, canonical: str, actor: Actor) -> AddOutcome:
    """The one decision whether a canonical code can be added, and the add itself, inside the caller's
    transaction (no commit): a refusal has written nothing, an add has locked the code row (PostgreSQL) until
    the caller commits. Callers adding several codes in one transaction take them in sorted order, so two such
    transactions lock rows in the same order and cannot deadlock."""
    code = lock_code(canonical)
    if code is None:
        return AddOutcome(AddResult.UNKNOWN, canonical)
    now = utcnow()
    state = state_of(code, is_blacklisted(code.id), now)
    if state is not CodeState.VALID:
        result = {CodeState.BLACKLISTED: AddResult.BLACKLISTED, CodeState.NOT_YET_VALID: AddResult.NOT_YET_VALID,
                  CodeState.EXPIRED: AddResult.EXPIRED}[state]
        return AddOutcome(result, canonical, valid_from=code.valid_from)
    if _holds(customer.id, code.id):
        return AddOutcome(AddResult.ALREADY_YOURS, canonical)

    is_transfer = _was_given_up_by_another(code.id, customer.id)
    use_grant = False
    if is_transfer:
        cap = current_app.config["CODE_TRANSFERS_PER_WINDOW"]
        transfers = transfers_in_window(code.id, now)
        if transfers >= cap:  # only a transfer support granted can pass the cap
            if transfer_cap_reached(transfers, code.extra_transfers, cap):
                return AddOutcome(AddResult.TRANSFER_CAP_REACHED, canonical, transfer_cap=cap)
            use_grant = True
    if code.seats_taken >= code.seats or not _take_seat(code.id, use_grant):
        return AddOutcome(AddResult.NO_SEAT_LEFT, canonical)

    registration = CodeRegistration(code_id=code.id, customer_id=customer.id, added_at=now, is_transfer=is_transfer)
    db.session.add(registration)
    db.session.flush()
    record(actor, "code.added", registration, after={
        "code": canonical, "customer_id": customer.id, "transfer": is_transfer, "used_granted_transfer": use_grant,
    })
    webhooks.emit("code.added", {"code": canonical, "customer_id": customer.id, "transfer": is_transfer})
    return AddOutcome(AddResult.ADDED, canonical)


def _take_seat(code_id: int, use_grant: bool) -> bool:
    """Take one seat if one is free, in one statement that the database evaluates atomically."""
    conditions = [ActivationCode.id == code_id, ActivationCode.seats_taken < ActivationCode.seats]
    values = {"seats_taken": ActivationCode.seats_taken + 1}
    if use_grant:
        conditions.append(ActivationCode.extra_transfers > 0)
        values["extra_transfers"] = ActivationCode.extra_transfers - 1
    result = db.session.execute(update(ActivationCode).where(*conditions).values(**values)
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _holds(customer_id: int, code_id: int) -> bool:
    return db.session.scalar(select(CodeRegistration.id).where(
        CodeRegistration.code_id == code_id, CodeRegistration.customer_id == customer_id,
        CodeRegistration.removed_at.is_(None))) is not None


def _was_given_up_by_another(code_id: int, customer_id: int) -> bool:
    return db.session.scalar(select(CodeRegistration.id).where(
        CodeRegistration.code_id == code_id, CodeRegistration.customer_id != customer_id,
        CodeRegistration.removed_at.is_not(None)).limit(1)) is not None


def transfers_in_window(code_id: int, now: datetime | None = None) -> int:
    return db.session.scalar(select(transfers_since(code_id, window_start(now or utcnow())))) or 0


@dataclass(frozen=True)
class HeldCode:
    """One row of the customer's list (FAQ §11); its standing is the one staff see (states.standing)."""

    registration_id: int
    code_id: int
    code: str
    product_id: int
    product: str
    added_at: datetime
    expires_at: datetime
    standing: Standing

    @property
    def state(self) -> str:
        return self.standing.state.value


def customer_codes(customer_id: int, product_id: int | None = None) -> list[HeldCode]:
    """The codes the customer holds now, newest first; with `product_id`, only that product's."""
    query = (
        select(CodeRegistration.id, CodeRegistration.added_at, ActivationCode.id, ActivationCode.code,
               ActivationCode.expires_at, Product.id, Product.name)
        .join(ActivationCode, ActivationCode.id == CodeRegistration.code_id)
        .join(Product, Product.id == ActivationCode.product_id)
        .where(CodeRegistration.customer_id == customer_id, CodeRegistration.removed_at.is_(None))
        .order_by(CodeRegistration.added_at.desc(), CodeRegistration.id.desc())
    )
    if product_id is not None:
        query = query.where(ActivationCode.product_id == product_id)
    rows = db.session.execute(query).all()
    by_code = standings(row[2] for row in rows)
    return [HeldCode(registration_id, code_id, code, product_id, product, added_at, expires_at, by_code[code_id])
            for registration_id, added_at, code_id, code, expires_at, product_id, product in rows]


def held_registration(customer_id: int, registration_id: int) -> CodeRegistration | None:
    """The customer's own active registration; None for anyone else's (the view answers 404)."""
    return db.session.scalar(select(CodeRegistration).where(
        CodeRegistration.id == registration_id, CodeRegistration.customer_id == customer_id,
        CodeRegistration.removed_at.is_(None)))


def remove_code(customer: Customer, registration_id: int, actor: Actor) -> CodeRegistration | None:
    """End the customer's holding and free its seat; None if it is not theirs or already removed."""
    registration = held_registration(customer.id, registration_id)
    if registration is None:
        return None
    lock_code(registration.code.code)
    now = max(utcnow(), registration.added_at)
    ended = db.session.execute(
        update(CodeRegistration)
        .where(CodeRegistration.id == registration.id, CodeRegistration.removed_at.is_(None))
        .values(removed_at=now).execution_options(synchronize_session=False))
    if ended.rowcount != 1:  # removed by a parallel request
        db.session.rollback()
        return None
    db.session.execute(update(ActivationCode).where(ActivationCode.id == registration.code_id)
                       .values(seats_taken=ActivationCode.seats_taken - 1)
                       .execution_options(synchronize_session=False))
    record(actor, "code.removed", registration, after={"code": registration.code.code, "customer_id": customer.id})
    db.session.commit()
    db.session.refresh(registration)
    return registration
