"""Rows the support tests need: products with an active code for a customer, and tickets made the way the
wizard makes them (a draft, then submit)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, Product
from backoffice.security import Actor
from backoffice.services.support import submit, wizard

_serial = itertools.count(1)


def product_with_code(customer, name: str | None = None, expired: bool = False) -> Product:
    """A product, and an activation code for it held by `customer` (valid today unless `expired`)."""
    n = next(_serial)
    product = Product(name=name or f"Anti-Virus {n}")
    db.session.add(product)
    db.session.flush()
    now = utcnow()
    raw = f"{n:020d}"[-20:].replace("0", "A")
    code = ActivationCode(code="-".join(raw[i:i + 5] for i in range(0, 20, 5)), product_id=product.id, seats=3,
                          seats_taken=1, valid_from=now - timedelta(days=30),
                          expires_at=now - timedelta(days=1) if expired else now + timedelta(days=300))
    db.session.add(code)
    db.session.flush()
    db.session.add(CodeRegistration(code_id=code.id, customer_id=customer.id))
    db.session.commit()
    return product


def customer_actor(customer) -> Actor:
    return Actor("customer", customer.id, customer.email)


def staff_actor(staff) -> Actor:
    return Actor("staff", staff.id, staff.email, None, staff.role)


def make_ticket(customer, type_code: str = "presale", product=None, subject: str = "Price of a licence",
                description: str = "How much is a licence for five computers?", **step4):
    """A ticket made through the wizard's services: every step saved and validated, then submitted."""
    key = wizard.new_draft_key()
    draft = wizard.open_draft(customer.id, key)
    wizard.save_step(draft, 1, {"type_code": type_code})
    wizard.save_step(draft, 2, {"product_id": str(product.id) if product else ""})
    wizard.save_step(draft, 3, {"subject": subject, "description": description})
    wizard.save_step(draft, 4, {"os_name": step4.get("os_name", "Windows 11"),
                                "product_version": step4.get("product_version", "21.3.10.391")})
    return submit.submit_draft(customer.id, key, customer_actor(customer))
