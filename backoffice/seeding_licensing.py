"""Demo licensing data for `seed-demo`: products, a code in every state, a blacklist, codes on demo accounts.
Idempotent: what exists is left alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, CodeRegistration, Customer, Product

DEMO_PRODUCTS = ["Internet Security", "Anti-Virus", "Small Office Security"]
# code, product, seats, starts (days from now), expires (days from now), blacklist reason, holders, what it shows
DEMO_CODES = [
    ("DEMO1-VALID-AAAAA-00001", "Internet Security", 1, -30, 335, None, [], "valid, 1 seat: add it"),
    ("DEMO3-SEATS-AAAAA-00003", "Anti-Virus", 3, -30, 700, None, ["jean@example.com"], "valid, 3 seats, 1 taken"),
    ("DEMOF-UTURE-AAAAA-00004", "Internet Security", 1, 10, 375, None, [], "not valid yet"),
    ("DEMOE-XPIRE-AAAAA-00005", "Anti-Virus", 1, -400, -35, None, [], "expired"),
    ("DEMOB-LACKL-AAAAA-00006", "Internet Security", 2, -30, 335, "leaked", [], "blacklisted"),
    ("DEMOF-ULLLL-AAAAA-00007", "Small Office Security", 1, -30, 335, None, ["erika@example.com"],
     "every seat taken"),
    ("DEMOM-INEAA-AAAAA-00008", "Internet Security", 1, -60, 300, None, ["customer@example.com"],
     "on customer@example.com, active"),
    ("DEMOM-INEBB-AAAAA-00009", "Anti-Virus", 1, -60, 300, "chargeback", ["customer@example.com"],
     "on customer@example.com, blacklisted"),
]


def seed_licensing() -> Iterator[str]:
    now = utcnow()
    products = {}
    for name in DEMO_PRODUCTS:
        products[name] = db.session.scalar(select(Product).where(Product.name == name)) or Product(name=name)
        db.session.add(products[name])
    db.session.flush()
    for code, product, seats, starts, expires, reason, holders, shows in DEMO_CODES:
        if db.session.scalar(select(ActivationCode.id).where(ActivationCode.code == code)) is None:
            row = ActivationCode(code=code, product=products[product], seats=seats, seats_taken=len(holders),
                                 valid_from=now + timedelta(days=starts), expires_at=now + timedelta(days=expires))
            db.session.add(row)
            db.session.flush()
            for email in holders:
                customer_id = db.session.scalar(select(Customer.id).where(Customer.email == email))
                db.session.add(CodeRegistration(code_id=row.id, customer_id=customer_id,
                                                added_at=now - timedelta(days=20)))
            if reason:
                db.session.add(BlacklistEntry(code_id=row.id, reason=reason, created_by_label="seed-demo",
                                              note="demo entry", created_at=now - timedelta(days=5)))
        yield f"code     {code}  {product:<22} {shows}"
    db.session.commit()
