"""Demo licensing data for `seed-demo` (seeds/demo/licensing.toml): products, a code in every state, a blacklist,
codes on demo accounts. Idempotent: what exists is left alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, CodeRegistration, Customer, Product
from backoffice.seeding.files import demo_data


def seed_licensing() -> Iterator[str]:
    data = demo_data("licensing")
    now = utcnow()
    products = {}
    for name in data["products"]:
        products[name] = db.session.scalar(select(Product).where(Product.name == name)) or Product(name=name)
        db.session.add(products[name])
    db.session.flush()
    for entry in data["codes"]:
        code, holders, reason = entry["code"], entry.get("holders", []), entry.get("blacklisted")
        if db.session.scalar(select(ActivationCode.id).where(ActivationCode.code == code)) is None:
            row = ActivationCode(code=code, product=products[entry["product"]], seats=entry["seats"],
                                 seats_taken=len(holders), valid_from=now + timedelta(days=entry["starts"]),
                                 expires_at=now + timedelta(days=entry["expires"]))
            db.session.add(row)
            db.session.flush()
            for email in holders:
                customer_id = db.session.scalar(select(Customer.id).where(Customer.email == email))
                db.session.add(CodeRegistration(code_id=row.id, customer_id=customer_id,
                                                added_at=now - timedelta(days=20)))
            if reason:
                db.session.add(BlacklistEntry(code_id=row.id, reason=reason, created_by_label="seed-demo",
                                              note="demo entry", created_at=now - timedelta(days=5)))
        yield f"code     {code}  {entry['product']:<22} {entry['shows']}"
    db.session.commit()
