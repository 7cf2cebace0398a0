"""Customer sign-in and sign-out.

Whatever goes wrong with the credentials, the answer is one generic message, and the work done is the same:
an unknown address still costs one argon2 verification (against a dummy hash). Only after the right password
does the customer learn that the account is still pending or is locked.
"""

from __future__ import annotations

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus
from backoffice.security import Actor, hash_password, password_needs_rehash, verify_password
from backoffice.services import ServiceError, login_throttle
from backoffice.services.audit import record
from backoffice.services.emails import normalise_email

GENERIC_LOGIN_ERROR = "Invalid e-mail or password."
PENDING_MESSAGE = ("Your account is not activated yet. Open the activation link we mailed you, "
                   "or register again with the same address to receive a new link.")
LOCKED_MESSAGE = "Your account is locked. Contact support to have it unlocked."


def find_customer(email: str) -> Customer | None:
    try:
        address = normalise_email(email)
    except ServiceError:
        return None
    return db.session.scalar(select(Customer).where(Customer.email == address))


def authenticate(email: str, password: str, actor: Actor) -> Customer:
    """The active customer for these credentials, or ServiceError (one generic message for bad credentials)."""
    customer = find_customer(email)
    password_ok = verify_password(customer.password_hash if customer else None, password)
    if customer is None or not password_ok:
        login_throttle.record_failure(actor.ip, email)
        if customer is not None:
            customer.failed_logins += 1
        _audit(actor, "customer.login_failed", customer, email)
        db.session.commit()
        raise ServiceError(GENERIC_LOGIN_ERROR, "password")
    if customer.status == CustomerStatus.PENDING:
        raise ServiceError(PENDING_MESSAGE)
    if customer.status == CustomerStatus.LOCKED:
        _audit(actor, "customer.login_refused_locked", customer, email)
        db.session.commit()
        raise ServiceError(LOCKED_MESSAGE)
    if customer.status != CustomerStatus.ACTIVE:
        raise ServiceError(GENERIC_LOGIN_ERROR, "password")
    customer.failed_logins = 0
    customer.last_login_at = utcnow()
    if password_needs_rehash(customer.password_hash):
        customer.password_hash = hash_password(password)
    login_throttle.clear_address(email)
    _audit(actor, "customer.login", customer, email)
    db.session.commit()
    return customer


def record_logout(customer: Customer, actor: Actor) -> None:
    _audit(actor, "customer.logout", customer, customer.email)
    db.session.commit()


def _audit(actor: Actor, action: str, customer: Customer | None, email: str) -> None:
    record(actor, action, customer, object_type="customers", label=actor.label or email[:254],
           after={"email": email[:254]} if customer is None else None)
