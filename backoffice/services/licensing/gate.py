"""The support gate (FAQ §10): a customer may ask Technical Support about a product only while holding an
active code for it; about a key problem or a licence's expiry, while holding any code for it (an expired licence
is what such a request is about, so an active code cannot be asked for). The support wizard asks these questions."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, CodeState, Product
from backoffice.services.licensing.states import state_condition


def _holdings(customer_id: int, active_only: bool):
    """The product ids of the customer's codes; `active_only`: only those valid now (states decides what that is)."""
    query = (select(ActivationCode.product_id)
             .join(CodeRegistration, CodeRegistration.code_id == ActivationCode.id)
             .where(CodeRegistration.customer_id == customer_id, CodeRegistration.removed_at.is_(None)))
    return query.where(state_condition(CodeState.VALID, utcnow())) if active_only else query


def _holds(customer_id: int, product_id: int, active_only: bool) -> bool:
    query = _holdings(customer_id, active_only).where(ActivationCode.product_id == product_id).limit(1)
    return db.session.scalar(query) is not None


def _products(customer_id: int, active_only: bool) -> list[Product]:
    product_ids = _holdings(customer_id, active_only).distinct()
    return list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)).order_by(Product.name)))


def has_held_code(customer_id: int, product_id: int) -> bool:
    """True while the customer holds any code for the product, in whatever standing."""
    return _holds(customer_id, product_id, active_only=False)


def products_with_held_code(customer_id: int) -> list[Product]:
    return _products(customer_id, active_only=False)


def has_active_code(customer_id: int, product_id: int) -> bool:
    """True while the customer holds a code for the product that is valid today and not blacklisted."""
    return _holds(customer_id, product_id, active_only=True)


def products_with_active_code(customer_id: int) -> list[Product]:
    """The products the customer may ask support about, by name."""
    return _products(customer_id, active_only=True)
