"""Personal access tokens: made on the console page and shown once, stored hashed, expiring, revocable, audited on
every use with a throttled last-used time, and dead once the owner is deactivated or given another role."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.models import ApiToken, AuditEvent
from backoffice.security import Actor, hash_token
from backoffice.services import staff as staff_service
from tests.api.helpers import bearer, token_for
from tests.factories import PASSWORD


def test_the_console_page_shows_a_new_token_once_and_stores_only_its_hash(app, client, make, console):
    support = make.staff("support")
    console.login(support.email, PASSWORD)
    profile = client.get("/console/profile/")
    assert b'href="/console/api-tokens/"' in profile.data
    page = client.post("/console/api-tokens/create", data={"name": "CRM sync", "area-tickets": "write",
                                                           "area-codes": "read", "days": "30"})
    assert page.status_code == 201
    secret = re.search(rb'id="new-token-secret" value="(bo_[^"]+)"', page.data).group(1).decode()
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash == hash_token(secret) and secret not in str(token.__dict__)
    assert token.scopes == ["codes:read", "tickets:write"]
    assert secret.encode() not in client.get("/console/api-tokens/").data  # never shown again
    assert client.get("/api/v1/tickets", headers=bearer(secret)).status_code == 200
    refused = client.post("/console/api-tokens/create", data={"name": "", "area-lab": "write", "days": "9999"})
    assert refused.status_code == 422 and b'id="token-name-error"' in refused.data
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    # revoking asks first, then the token stops at once
    ask = client.post(f"/console/api-tokens/{token.id}/revoke", data={})
    assert b"Revoke this token?" in ask.data
    client.post(f"/console/api-tokens/{token.id}/revoke", data={"confirmed": "yes"})
    assert client.get("/api/v1/tickets", headers=bearer(secret)).status_code == 401


def test_every_use_is_audited_and_last_used_is_written_sparingly(app, client, make):
    admin = make.staff("admin")
    raw = token_for(admin, ["tickets:read"])
    for _ in range(3):
        assert client.get("/api/v1/tickets", headers=bearer(raw)).status_code == 200
    uses = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.request")).all()
    assert len(uses) == 3 and all("API token" in use.actor_label for use in uses)
    token = db.session.scalar(select(ApiToken))
    first_used = token.last_used_at
    assert first_used is not None
    later = utcnow() + timedelta(seconds=app.config["API_TOKEN_USE_WRITE_SECONDS"] + 1)
    set_now(later)
    try:
        client.get("/api/v1/tickets", headers=bearer(raw))
    finally:
        set_now(None)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == later


def test_a_token_expires(app, client, make):
    raw = token_for(make.staff("admin"), ["audit:read"], days=1)
    assert client.get("/api/v1/audit", headers=bearer(raw)).status_code == 200
    set_now(utcnow() + timedelta(days=1, seconds=1))
    try:
        answer = client.get("/api/v1/audit", headers=bearer(raw))
    finally:
        set_now(None)
    assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.content_type == "application/problem+json"


def test_a_token_dies_with_its_owner_deactivation_or_role_change(app, client, make):
    admin = make.staff("admin")
    support = make.staff("support")
    other = make.staff("support")
    raw, other_raw = token_for(support, ["tickets:write"]), token_for(other, ["tickets:read"])
    actor = Actor("staff", admin.id, admin.email, None, "admin")
    staff_service.update_staff(support, {"role": "admin"}, actor)
    assert client.get("/api/v1/tickets", headers=bearer(raw)).status_code == 401  # even a wider role: a new token
    staff_service.update_staff(other, {"is_active": False}, actor)
    staff_service.update_staff(other, {"is_active": True}, actor)
    assert client.get("/api/v1/tickets", headers=bearer(other_raw)).status_code == 401  # reactivating revives nothing


def test_garbage_tokens_are_refused_without_a_server_error(app, client, make):
    for value in ["Bearer", "Bearer bo_", "Bearer bo_" + "x" * 500, "Basic abc", "Bearer bo_\u00e9\u0000",
                  "Bearer " + "bo_" + "a" * 40]:
        answer = client.get("/api/v1/tickets", headers={"Authorization": value})
        assert answer.status_code == 401, value
