"""Generate new activation codes for a product: cryptographically random, unique, returned for a CSV."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, Product
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.licensing.manage import MAX_SEATS
from backoffice.services.licensing.normalise import GENERATED_ALPHABET, canonical
from backoffice.services.licensing.report import chunks

# 31 characters, none of them a look-alike (normalise.LOOK_ALIKES): 31^20 ≈ 6.7e29 codes, guessing one is hopeless
_SPACE = len(GENERATED_ALPHABET) ** 20


def random_code() -> str:
    number = secrets.randbelow(_SPACE)
    digits = []
    for _ in range(20):
        number, digit = divmod(number, len(GENERATED_ALPHABET))
        digits.append(GENERATED_ALPHABET[digit])
    return canonical("".join(digits))


def generate_codes(product_id: int, count: int, seats: int, valid_from: datetime, expires_at: datetime,
                   actor: Actor) -> list[str]:
    """Create `count` new codes and return them; none collides with an existing code."""
    limit = current_app.config["CODE_GENERATE_MAX"]
    if not 1 <= count <= limit:
        raise ServiceError(f"Generate between 1 and {limit:,} codes at a time.", "count")
    if not 1 <= seats <= MAX_SEATS:
        raise ServiceError(f"Seats must be between 1 and {MAX_SEATS:,}.", "seats")
    if expires_at <= valid_from:
        raise ServiceError("The expiry must be after the start of validity.", "expires_at")
    product = db.session.get(Product, product_id)
    if product is None:
        raise ServiceError("Choose a product.", "product")
    codes: set[str] = set()
    while len(codes) < count:  # a collision is astronomically unlikely; the loop makes "unique" a fact
        fresh = {random_code() for _ in range(count - len(codes))} - codes
        for batch in chunks(sorted(fresh), 1_000):
            fresh -= set(db.session.scalars(select(ActivationCode.code).where(ActivationCode.code.in_(batch))))
        codes |= fresh
    now = utcnow()
    rows = [{"code": code, "product_id": product.id, "seats": seats, "seats_taken": 0, "valid_from": valid_from,
             "expires_at": expires_at, "extra_transfers": 0, "created_at": now} for code in sorted(codes)]
    for batch in chunks(rows, 5_000):
        db.session.execute(insert(ActivationCode), batch)
    record(actor, "codes.generated", product, after={
        "count": count, "seats": seats, "valid_from": valid_from.isoformat(), "expires_at": expires_at.isoformat()})
    db.session.commit()
    return [row["code"] for row in rows]
