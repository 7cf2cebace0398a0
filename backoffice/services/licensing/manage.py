"""Staff writes on products and single codes: every one checked here and audited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import ActivationCode, Product
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record, update_audited
from backoffice.services.licensing.codes import lock_code

MAX_SEATS = 10_000


def _clean_product_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError("Enter the product's name.", "name")
    if len(name) > 120:
        raise ServiceError("Use at most 120 characters.", "name")
    return name


def _check_name_free(name: str, product_id: int | None = None) -> None:
    query = select(Product.id).where(func.lower(Product.name) == name.lower())
    if product_id is not None:
        query = query.where(Product.id != product_id)
    if db.session.scalar(query) is not None:
        raise ServiceError("A product with this name already exists.", "name")


def create_product(name: str, description: str | None, actor: Actor) -> Product:
    name = _clean_product_name(name)
    _check_name_free(name)
    product = Product(name=name, description=(description or "").strip() or None)
    db.session.add(product)
    db.session.flush()
    record(actor, "product.created", product, after={"name": name})
    db.session.commit()
    return product


def update_product(product: Product, name: str, description: str | None, actor: Actor) -> Product:
    values = {"name": _clean_product_name(name), "description": (description or "").strip() or None}
    _check_name_free(values["name"], product.id)
    if update_audited(product, ["name", "description"], values, actor, "product.updated"):
        db.session.commit()
    return product


def change_seats(code_id: int, seats: int, actor: Actor) -> ActivationCode:
    code = _locked(code_id)
    if not 1 <= seats <= MAX_SEATS:
        db.session.rollback()
        raise ServiceError(f"Seats must be between 1 and {MAX_SEATS:,}.", "seats")
    if seats < code.seats_taken:
        taken = code.seats_taken
        db.session.rollback()
        raise ServiceError(f"{taken} accounts hold this code now; it cannot have fewer seats than that.", "seats")
    before = {"seats": code.seats}
    code.seats = seats
    record(actor, "code.seats_changed", code, before=before, after={"seats": seats})
    db.session.commit()
    return code


def extend_expiry(code_id: int, expires_at: datetime, actor: Actor) -> ActivationCode:
    code = _locked(code_id)
    if expires_at <= code.expires_at:
        current = code.expires_at
        db.session.rollback()
        raise ServiceError(f"Choose a date after the current expiry ({current:%Y-%m-%d %H:%M} UTC).", "expires_at")
    before = {"expires_at": code.expires_at.isoformat()}
    code.expires_at = expires_at
    record(actor, "code.expiry_extended", code, before=before, after={"expires_at": expires_at.isoformat()})
    db.session.commit()
    return code


def grant_transfer(code_id: int, actor: Actor) -> ActivationCode:
    """Allow the code one more transfer beyond the 30-day cap (support's answer to a customer who asks)."""
    code = _locked(code_id)
    before = {"extra_transfers": code.extra_transfers}
    code.extra_transfers += 1
    record(actor, "code.transfer_granted", code, before=before, after={"extra_transfers": code.extra_transfers})
    db.session.commit()
    return code


def _locked(code_id: int) -> ActivationCode:
    code = db.session.get(ActivationCode, code_id)
    if code is None:
        raise ServiceError("This activation code does not exist.")
    return lock_code(code.code)
