"""Rows for the licensing tests: products, codes in a chosen state, blacklist entries."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import func, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, AuditEvent, BlacklistEntry, CodeRegistration, Product
from backoffice.services.licensing.generate import random_code

_numbers = itertools.count(1)


def make_product(name: str | None = None) -> Product:
    product = Product(name=name or f"Product {next(_numbers)}")
    db.session.add(product)
    db.session.commit()
    return product


def make_code(product: Product | None = None, code: str | None = None, seats: int = 1, *, starts_in_days: int = -10,
              expires_in_days: int = 365, blacklisted: bool = False) -> ActivationCode:
    now = utcnow()
    activation_code = ActivationCode(
        code=code or random_code(), product=product or make_product(), seats=seats,
        valid_from=now + timedelta(days=starts_in_days), expires_at=now + timedelta(days=expires_in_days))
    db.session.add(activation_code)
    db.session.flush()
    if blacklisted:
        db.session.add(BlacklistEntry(code_id=activation_code.id, reason="leaked", created_by_label="test"))
    db.session.commit()
    return activation_code


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def active_holders(code: ActivationCode) -> int:
    return count(CodeRegistration, CodeRegistration.code_id == code.id, CodeRegistration.removed_at.is_(None))


def audit_actions(action: str) -> int:
    return count(AuditEvent, AuditEvent.action == action)
