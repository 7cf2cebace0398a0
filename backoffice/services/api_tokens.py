"""Personal access tokens of staff: made on the console's token page, shown once, only their SHA-256 stored.

A token works while it is not revoked, not expired, its owner is active and the owner's session epoch is the one it
was made under (a deactivation, a lock, a role change or a new password moves the epoch: every token made before
dies with the console sessions). Each use is audited; its last-used time is written at most once per
API_TOKEN_USE_WRITE_SECONDS by a conditional update, so a busy script does not rewrite the row on every request.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.inputs.text import text_problem
from backoffice.models import ApiToken, StaffUser
from backoffice.security import Actor, hash_token
from backoffice.services import ServiceError
from backoffice.services.api_scopes import allowed_scopes
from backoffice.services.audit import record

TOKEN_PREFIX = "bo_"  # lets secret scanners and people recognise a leaked token
SHOWN_PREFIX = 10
NAME_LENGTH = 80
MAX_LISTED = 200


class TokenRefused(ServiceError):
    """One or more fields of the new-token form are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), next(iter(errors)))
        self.errors = errors


def create_token(owner: StaffUser, name: str, scopes: list[str], days: int | None,
                 actor: Actor) -> tuple[str, ApiToken]:
    """A new token for `owner` (committed) and its secret, which is never stored and never shown again."""
    errors = {}
    name = (name or "").strip()
    problem = text_problem(name, max_length=NAME_LENGTH) if name else "Give the token a name that says what uses it."
    if problem:
        errors["name"] = problem
    allowed = allowed_scopes(owner.role)
    chosen = sorted(set(scopes or ()))
    if not chosen:
        errors["scopes"] = "Choose at least one area the token may use."
    elif any(item not in allowed for item in chosen):
        errors["scopes"] = "Your role does not allow one of these areas; choose among those listed."
    longest = current_app.config["API_TOKEN_MAX_DAYS"]
    if days is None or not 1 <= days <= longest:
        errors["days"] = f"Choose a life of 1 to {longest} days."
    if errors:
        raise TokenRefused(errors)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = ApiToken(token_hash=hash_token(raw), prefix=raw[:SHOWN_PREFIX], name=name, owner_id=owner.id,
                     owner_epoch=owner.session_epoch, scopes=chosen, created_at=now,
                     expires_at=now + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    record(actor, "api_token.created", token, after={"name": name, "scopes": chosen, "expires_at": token.expires_at})
    db.session.commit()
    return raw, token


def tokens_of(owner: StaffUser) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.owner_id == owner.id)
                                   .order_by(ApiToken.id.desc()).limit(MAX_LISTED)))


def is_live(token: ApiToken, owner: StaffUser, now=None) -> bool:
    now = now or utcnow()
    return (token.revoked_at is None and token.expires_at > now and owner.is_active
            and secrets.compare_digest(token.owner_epoch, owner.session_epoch))


def revoke_token(owner: StaffUser, token_id: int | None, actor: Actor) -> ApiToken:
    """Revoke one of `owner`'s own tokens (someone else's id is simply not found)."""
    token = db.session.get(ApiToken, token_id) if token_id is not None else None
    if token is None or token.owner_id != owner.id:
        raise ServiceError("This token does not exist.")
    revoked = db.session.execute(update(ApiToken).where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    if revoked.rowcount != 1:
        db.session.rollback()
        raise ServiceError("This token was revoked already.")
    record(actor, "api_token.revoked", token, after={"name": token.name})
    db.session.commit()
    db.session.refresh(token)
    return token


def authenticate(raw: str | None) -> tuple[ApiToken, StaffUser] | None:
    """The live token behind a bearer secret and its owner; None for anything else (one statement)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 128 or not raw.isascii():
        return None
    row = db.session.execute(select(ApiToken, StaffUser).join(StaffUser, StaffUser.id == ApiToken.owner_id)
                             .where(ApiToken.token_hash == hash_token(raw))).first()
    if row is None or not is_live(row[0], row[1]):
        return None
    return row[0], row[1]


def actor_for(token: ApiToken, owner: StaffUser, ip: str | None) -> Actor:
    """The owner, acting through this token: the audit trail names both."""
    return Actor("staff", owner.id, f"{owner.email} (API token {token.prefix}…)", ip, owner.role)


def record_use(token: ApiToken, owner: StaffUser, ip: str | None, method: str, path: str, status: int) -> None:
    """Audit one request made with the token, and move its last-used time if the stored one is old enough
    (conditional: of many parallel requests, one writes it). Committed on its own, after the request's work."""
    now = utcnow()
    record(actor_for(token, owner, ip), "api.request", token,
           after={"method": method, "path": path[:200], "status": status})
    stale = now - timedelta(seconds=current_app.config["API_TOKEN_USE_WRITE_SECONDS"])
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id, or_(ApiToken.last_used_at.is_(None),
                                                                          ApiToken.last_used_at < stale))
                       .values(last_used_at=now, last_used_ip=ip).execution_options(synchronize_session=False))
    db.session.commit()
