"""One-time tokens: a secret mailed as a link, only its SHA-256 stored, spent exactly once before it expires.

`issue` supersedes the customer's earlier unused tokens of the same purpose, so only the newest link works.
`spend` marks a token used with a conditional UPDATE: of two requests racing with one link, one wins.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, OneTimeToken, TokenPurpose
from backoffice.security import hash_token, new_token
from backoffice.services import ServiceError

LIFETIME_SETTINGS = {
    TokenPurpose.ACTIVATION: "ACTIVATION_TOKEN_HOURS",
    TokenPurpose.PASSWORD_RESET: "PASSWORD_RESET_TOKEN_HOURS",
    TokenPurpose.EMAIL_CHANGE: "EMAIL_CHANGE_TOKEN_HOURS",
    TokenPurpose.LEGACY_CLAIM: "LEGACY_CLAIM_TOKEN_HOURS",
}
INVALID_LINK = "This link is not valid: it may have expired, been used already, or been copied incompletely."


def issue(customer: Customer, purpose: TokenPurpose, payload: str | None = None) -> str:
    """A new raw token for `customer` (added to the caller's transaction); earlier unused ones stop working."""
    now = utcnow()
    revoke(customer, purpose)
    raw, digest = new_token()
    hours = current_app.config[LIFETIME_SETTINGS[purpose]]
    db.session.add(OneTimeToken(token_hash=digest, purpose=purpose, customer_id=customer.id, payload=payload,
                                created_at=now, expires_at=now + timedelta(hours=hours)))
    return raw


def revoke(customer: Customer, purpose: TokenPurpose) -> None:
    db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.customer_id == customer.id, OneTimeToken.purpose == purpose,
               OneTimeToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def find_valid(raw: str | None, purpose: TokenPurpose) -> OneTimeToken:
    """The live token behind a link, without spending it (to show the form the link leads to)."""
    if not raw or len(raw) > 128:
        raise ServiceError(INVALID_LINK)
    token = db.session.scalar(select(OneTimeToken).where(
        OneTimeToken.token_hash == hash_token(raw), OneTimeToken.purpose == purpose))
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        raise ServiceError(INVALID_LINK)
    return token


def customer_for(raw: str | None, purpose: TokenPurpose, status: str) -> Customer:
    """The account a live link belongs to, while it is still in the `status` the link is for (not spent)."""
    token = find_valid(raw, purpose)
    customer = db.session.get(Customer, token.customer_id)
    if customer is None or customer.status != status:
        raise ServiceError(INVALID_LINK)
    return customer


def spend(raw: str | None, purpose: TokenPurpose) -> OneTimeToken:
    """Mark the token used (in the caller's transaction) and return it; ServiceError if it is not live."""
    token = find_valid(raw, purpose)
    now = utcnow()
    result = db.session.execute(
        update(OneTimeToken)
        .where(OneTimeToken.id == token.id, OneTimeToken.used_at.is_(None), OneTimeToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ServiceError(INVALID_LINK)
    db.session.refresh(token)
    return token
