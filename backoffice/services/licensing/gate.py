"""The support gate (FAQ §10): a customer may ask Technical Support about a product only while holding an
active code for it. The support wizard asks these two questions."""

from __future__ import annotations

from sqlalchemy import not_, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, Product
from backoffice.services.licensing.states import in_force_entry


def _active_holdings(customer_id: int):
    now = utcnow()
    return (
        select(ActivationCode.product_id)
        .join(CodeRegistration, CodeRegistration.code_id == ActivationCode.id)
        .where(
            CodeRegistration.customer_id == customer_id,
            CodeRegistration.removed_at.is_(None),
            ActivationCode.valid_from <= now,
            ActivationCode.expires_at > now,
            not_(in_force_entry(ActivationCode.id)),
        )
    )


def has_active_code(customer_id: int, product_id: int) -> bool:
    """True while the customer holds a code for the product that is valid today and not blacklisted."""
    query = _active_holdings(customer_id).where(ActivationCode.product_id == product_id).limit(1)
    return db.session.scalar(query) is not None


def products_with_active_code(customer_id: int) -> list[Product]:
    """The products the customer may ask support about, by name."""
    product_ids = _active_holdings(customer_id).distinct()
    return list(db.session.scalars(select(Product).where(Product.id.in_(product_ids)).order_by(Product.name)))
