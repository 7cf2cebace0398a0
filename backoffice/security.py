"""Identities (customer vs staff), password hashing, one-time token secrets.

One Flask-Login manager serves both sides: the session id names the kind of identity, the account's session
epoch and the secret of a session recorded on the server. A staff login is never a customer login; bumping the
epoch signs out every session of the account; signing out ends the recorded session, so a copy of the cookie
(or of the remember-me cookie) opens nothing afterwards, whichever worker or host it reaches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import request
from flask_login import UserMixin, current_user, login_user, logout_user
from sqlalchemy import and_, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db, login_manager
from backoffice.models import Customer, LoginSession, SessionKind, StaffUser

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


class _Identity(UserMixin):
    kind: str
    prefix: str

    def __init__(self, account, session_secret: str | None = None):
        self.account = account
        self.id = account.id
        self.session_secret = session_secret  # set once the sign-in is recorded (sign_in)

    def get_id(self) -> str:
        return f"{self.prefix}:{self.account.id}:{self.account.session_epoch}:{self.session_secret}"


class CustomerIdentity(_Identity):
    kind = "customer"
    prefix = "c"


class StaffIdentity(_Identity):
    kind = "staff"
    prefix = "s"

    def __init__(self, staff: StaffUser, session_secret: str | None = None):
        super().__init__(staff, session_secret)
        self.role = staff.role

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


def start_session(identity: _Identity) -> _Identity:
    """Record a sign-in on the server (committed) and give the identity its secret."""
    secret, secret_hash = new_token()
    db.session.add(LoginSession(token_hash=secret_hash, kind=identity.kind, account_id=identity.account.id,
                                ip=request.remote_addr if request else None,
                                user_agent=(request.user_agent.string[:255] or None) if request else None))
    db.session.commit()
    identity.session_secret = secret
    return identity


def sign_in(identity: _Identity, remember: bool = False) -> None:
    """Sign `identity` in on this browser, as a session recorded on the server."""
    login_user(start_session(identity), remember=remember)


def sign_out() -> None:
    """End this browser's session on the server, then forget it here (remember-me cookie included)."""
    secret = getattr(current_user, "session_secret", None)
    if secret:
        db.session.execute(update(LoginSession).where(LoginSession.token_hash == hash_token(secret),
                                                      LoginSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))
        db.session.commit()
    logout_user()


@login_manager.user_loader
def load_identity(session_id: str):
    try:
        kind, raw_id, epoch, secret = session_id.split(":", 3)
        account_id = int(raw_id)
    except ValueError:
        return None
    if kind == "s":
        staff = _account_in_session(StaffUser, SessionKind.STAFF, account_id, secret)
        if staff and staff.is_active and tokens_equal(staff.session_epoch, epoch):
            return StaffIdentity(staff, secret)
    elif kind == "c":
        customer = _account_in_session(Customer, SessionKind.CUSTOMER, account_id, secret)
        if customer and customer.status == "active" and tokens_equal(customer.session_epoch, epoch):
            return CustomerIdentity(customer, secret)
    return None


def _account_in_session(model, kind: str, account_id: int, secret: str):
    """The account, if this browser's session is on the server's record for it and has not ended: one statement
    (the account joined to its session by the token's hash), not one for each, on every request."""
    return db.session.scalar(select(model).join(LoginSession, and_(
        LoginSession.account_id == model.id, LoginSession.kind == kind,
        LoginSession.token_hash == hash_token(secret), LoginSession.ended_at.is_(None))).where(model.id == account_id))


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
