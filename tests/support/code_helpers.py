"""Codes a customer holds in a chosen standing, and tickets about one of them made through the wizard's services."""

from __future__ import annotations

from datetime import timedelta

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, Product
from backoffice.security import Actor
from backoffice.services.licensing.blacklist import BlacklistLine, blacklist_codes
from backoffice.services.support import submit, wizard
from tests.licensing_helpers import make_code
from tests.support.helpers import customer_actor

STAFF = Actor("staff", None, "admin")


def held_code(customer, product: Product, *, seats: int = 2, taken: int | None = None, starts_in_days: int = -10,
              expires_in_days: int = 365) -> ActivationCode:
    """A code of `product` registered to `customer`; `taken` seats in all (the customer's among them)."""
    code = make_code(product, seats=seats, starts_in_days=starts_in_days, expires_in_days=expires_in_days)
    code.seats_taken = taken if taken is not None else 1
    db.session.add(CodeRegistration(code_id=code.id, customer_id=customer.id,
                                    added_at=utcnow() - timedelta(days=5)))
    db.session.commit()
    return code


def blacklist(code: ActivationCode, reason: str = "fraud", note: str | None = "Card reported stolen") -> None:
    assert blacklist_codes([BlacklistLine(1, code.code, reason, note)], STAFF).ok


def use_up_transfers(code: ActivationCode, customers, extra: int = 0) -> None:
    """Three recent transfers of the code (the default cap) by other accounts, who gave it up again."""
    now = utcnow()
    for index, other in enumerate(customers):
        db.session.add(CodeRegistration(code_id=code.id, customer_id=other.id, is_transfer=True,
                                        added_at=now - timedelta(days=3, hours=index),
                                        removed_at=now - timedelta(days=2, hours=index)))
    code.extra_transfers = extra
    db.session.commit()


def ticket_about(customer, code: ActivationCode | None, type_code: str = "license",
                 subject: str = "Key file lost after reinstall"):
    """A ticket about `code` made the way the wizard makes it: every step saved and validated, then submitted."""
    key = wizard.new_draft_key()
    draft = wizard.open_draft(customer.id, key)
    wizard.save_step(draft, 1, {"type_code": type_code})
    wizard.save_step(draft, 2, {"product_id": str(code.product_id) if code else "",
                                "activation_code_id": str(code.id) if code else ""})
    wizard.save_step(draft, 3, {"subject": subject, "description": "The key file is gone since I reinstalled."})
    wizard.save_step(draft, 4, {"os_name": "Windows 11", "product_version": "21.3.10.391"})
    return submit.submit_draft(customer.id, key, customer_actor(customer))
