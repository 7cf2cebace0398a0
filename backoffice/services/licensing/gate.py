"""The support gate (FAQ §10): a customer may ask Technical Support about a product only while holding an
active code for it; about a key problem or a licence's expiry, while holding any code for it (an expired licence
is what such a request is about, so an active code cannot be asked for). The support wizard asks these questions."""

from __future__ import annotations

from sqlalchemy import not_, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, Product
from backoffice.services.licensing.states import in_force_entry


def _holdings(customer_id: int):
    return (
        select(ActivationCode.product_id)
        .join(CodeRegistration, CodeRegistration.code_id == ActivationCode.id)
        .where(CodeRegistration.customer_id == customer_id, CodeRegistration.removed_at.is_(None))
    )


def _active_holdings(customer_id: int):
    now = utcnow()
    return _holdings(customer_id).where(ActivationCode.valid_from <= now, ActivationCode.expires_at > now,
                                        not_(in_force_entry(ActivationCode.id)))


def has_held_code(customer_id: int, product_id: int) -> bool:
    """True while the customer holds any code for the product, in whatever standing."""
    return db.session.scalar(_holdings(customer_id).where(ActivationCode.product_id == product_id).limit(1)) is not None


def products_with_held_code(customer_id: int) -> list[Product]:
    product_ids = _holdings(customer_id).distinct()
    return list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)).order_by(Product.name)))


def has_active_code(customer_id: int, product_id: int) -> bool:
    """True while the customer holds a code for the product that is valid today and not blacklisted."""
    query = _active_holdings(customer_id).where(ActivationCode.product_id == product_id).limit(1)
    return db.session.scalar(query) is not None


def products_with_active_code(customer_id: int) -> list[Product]:
    """The products the customer may ask support about, by name."""
    product_ids = _active_holdings(customer_id).distinct()
    return list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)).order_by(Product.name)))
