"""Identities (customer vs staff), password hashing, one-time token secrets.

One Flask-Login manager serves both sides: the session id names the kind of identity and the account's
session epoch, so a staff login is never a customer login, and bumping the epoch signs out every session.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import request
from flask_login import UserMixin, current_user

from backoffice.extensions import db, login_manager
from backoffice.models import Customer, StaffUser

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# A real hash of a random password: verifying against it costs the same as a real check, so a login for an
# unknown address takes as long as one for a known address.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> tuple[str, str]:
    """A URL-safe secret for a link, and the hash to store for it."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class CustomerIdentity(UserMixin):
    kind = "customer"

    def __init__(self, customer: Customer):
        self.account = customer
        self.id = customer.id

    def get_id(self) -> str:
        return f"c:{self.account.id}:{self.account.session_epoch}"


class StaffIdentity(UserMixin):
    kind = "staff"

    def __init__(self, staff: StaffUser):
        self.account = staff
        self.id = staff.id
        self.role = staff.role

    def get_id(self) -> str:
        return f"s:{self.account.id}:{self.account.session_epoch}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


@login_manager.user_loader
def load_identity(session_id: str):
    try:
        kind, raw_id, epoch = session_id.split(":", 2)
        account_id = int(raw_id)
    except ValueError:
        return None
    if kind == "s":
        staff = db.session.get(StaffUser, account_id)
        if staff and staff.is_active and tokens_equal(staff.session_epoch, epoch):
            return StaffIdentity(staff)
    elif kind == "c":
        customer = db.session.get(Customer, account_id)
        if customer and customer.status == "active" and tokens_equal(customer.session_epoch, epoch):
            return CustomerIdentity(customer)
    return None


def current_staff() -> StaffUser | None:
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "staff":
        return current_user.account
    return None


def current_customer() -> Customer | None:
    if current_user.is_authenticated and getattr(current_user, "kind", None) == "customer":
        return current_user.account
    return None


@dataclass(frozen=True)
class Actor:
    """Who does something, as services and the audit trail need it; built by views from the request."""

    kind: str  # staff, customer, system, anonymous
    id: int | None = None
    label: str | None = None
    ip: str | None = None
    role: str | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(kind="system", label=label)


def request_actor() -> Actor:
    """The actor behind the current request: the signed-in staff user or customer, else anonymous."""
    ip = request.remote_addr if request else None
    staff = current_staff()
    if staff:
        return Actor("staff", staff.id, staff.email, ip, staff.role)
    customer = current_customer()
    if customer:
        return Actor("customer", customer.id, customer.email, ip)
    return Actor("anonymous", ip=ip)
