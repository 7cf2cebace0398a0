"""Bearer tokens on every API request: who is calling (the token and its owner, in `g`), whether the token's
scopes and the owner's role allow the endpoint's area, and one audit event per request after it."""

from __future__ import annotations

import hashlib
from functools import wraps

from flask import g, request
from flask_limiter.util import get_remote_address

from backoffice.api.problems import problem
from backoffice.security import Actor
from backoffice.services import api_tokens
from backoffice.services.api_scopes import grants

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="backoffice"'}


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def rate_limit_key() -> str:
    """Each token counts on its own (by its hash, before it is looked up); no token: the client's address."""
    secret = bearer_secret()
    if secret:
        return "api-token:" + hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return "api-ip:" + (get_remote_address() or "")


def authenticate_request():
    """before_request of every API blueprint: 401 unless a live token is presented."""
    found = api_tokens.authenticate(bearer_secret())
    if found is None:
        return problem(401, "Send a live personal access token as `Authorization: Bearer <token>`.",
                       headers=CHALLENGE)
    g.api_token, g.api_owner = found
    return None


def record_request(response):
    """after_request of every API blueprint: the use is audited, last-used moved (throttled)."""
    token, owner = g.get("api_token"), g.get("api_owner")
    if token is not None:
        from backoffice.extensions import db

        try:
            api_tokens.record_use(token, owner, request.remote_addr, request.method, request.path,
                                  response.status_code)
        except Exception:  # the answer stands even if the audit write fails; the log says why
            db.session.rollback()
            import logging

            logging.getLogger("backoffice").exception("could not record an API token's use")
    return response


def actor() -> Actor:
    return api_tokens.actor_for(g.api_token, g.api_owner, request.remote_addr)


def may(area: str, access: str) -> bool:
    token, owner = g.get("api_token"), g.get("api_owner")
    return token is not None and grants(token.scopes, owner.role, area, access)


def requires(area: str, access: str):
    """The endpoint needs `access` (read or write) to `area` on the token, within the owner's role: else 403."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not may(area, access):
                return problem(403, f"This token may not {access} {area}: it needs the scope {area}:{access}, "
                                    "and its owner's role must allow it.")
            return view(*args, **kwargs)

        guarded._api_scope = (area, access)  # read by the role × scope matrix test
        return guarded

    return decorator
