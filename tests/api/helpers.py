"""Tokens for API tests: made through the service, as the console page makes them."""

from __future__ import annotations

from backoffice.security import Actor
from backoffice.services import api_tokens
from backoffice.services.api_scopes import allowed_scopes


def token_for(staff, scopes: list[str] | None = None, days: int = 30) -> str:
    raw, _token = api_tokens.create_token(staff, "test script", scopes or allowed_scopes(staff.role), days,
                                          Actor("staff", staff.id, staff.email))
    return raw


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}"}
