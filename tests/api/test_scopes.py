"""The role × scope matrix over every API endpoint: a token works only where its scopes and its owner's role both
allow (a support token cannot set verdicts, an analyst token cannot blacklist), and a token cannot be made with
more than the role allows."""

from __future__ import annotations

import pytest

from backoffice.security import Actor
from backoffice.services import api_tokens
from backoffice.services.api_scopes import AREAS, allowed_scopes, role_allows
from tests.api.helpers import bearer, token_for

SAMPLE = {"number": "TS-2026-000001", "customer_id": "1", "code": "AAAAA-BBBBB-CCCCC-DDDDD", "entry_id": "1",
          "job_id": "1",
          "sha256": "a" * 64}


def api_endpoints(app) -> list[tuple[str, str, str, str]]:
    """(method, url, area, access) of every API route, read from the URL map and each view's declared scope."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or not rule.endpoint.startswith("api_") \
                or rule.endpoint.startswith("api_docs"):
            continue
        scope = getattr(app.view_functions[rule.endpoint], "_api_scope", None)
        assert scope is not None, f"{rule.rule} declares no scope"
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<string:{name}>", SAMPLE[name]).replace(f"<int:{name}>", SAMPLE[name])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.append((method, url, *scope))
    return found


def call(client, method, url, headers):
    return client.open(url, method=method, headers=headers, json={} if method in ("POST", "PUT", "PATCH") else None)


@pytest.mark.parametrize("role", ["admin", "support", "analyst"])
def test_every_endpoint_answers_by_role_and_scope(app, client, make, role):
    endpoints = api_endpoints(app)
    assert len(endpoints) >= 14
    staff = make.staff(role)
    everything = bearer(token_for(staff))  # all the role allows
    for method, url, area, access in endpoints:
        status = call(client, method, url, everything).status_code
        if role_allows(role, area, access):
            assert status != 403, (role, method, url)
        else:
            assert status == 403, (role, method, url, status)
    for area in AREAS:  # a token for one area only opens that area's endpoints
        scopes = [s for s in allowed_scopes(role) if s.startswith(f"{area}:")]
        if not scopes:
            continue
        one_area = bearer(token_for(staff, scopes))
        for method, url, other, access in endpoints:
            status = call(client, method, url, one_area).status_code
            opens = other == area and f"{area}:write" in scopes if access == "write" else other == area
            assert (status != 403) == (opens and role_allows(role, other, access)), (role, scopes, method, url, status)


def test_read_scope_does_not_write(app, client, make):
    admin = make.staff("admin")
    reader = bearer(token_for(admin, ["lab:read", "codes:read"]))
    assert client.put(f"/api/v1/lab/samples/{'a' * 64}/verdict", headers=reader, json={}).status_code == 403
    assert client.post("/api/v1/blacklist", headers=reader, json={}).status_code == 403
    assert client.get(f"/api/v1/lab/samples/{'a' * 64}", headers=reader).status_code == 404  # allowed, not found


@pytest.mark.parametrize(("role", "scope"), [("support", "lab:write"), ("analyst", "codes:write"),
                                             ("analyst", "tickets:read"), ("support", "audit:read")])
def test_a_token_cannot_be_made_beyond_the_role(app, make, role, scope):
    staff = make.staff(role)
    with pytest.raises(api_tokens.TokenRefused) as refused:
        api_tokens.create_token(staff, "too much", [scope], 30, Actor("staff", staff.id, staff.email))
    assert "scopes" in refused.value.errors


def test_support_cannot_set_verdicts_and_analyst_cannot_blacklist(app, client, make):
    support = bearer(token_for(make.staff("support")))
    analyst = bearer(token_for(make.staff("analyst")))
    verdict = {"verdict": "clean"}
    assert client.put(f"/api/v1/lab/samples/{'a' * 64}/verdict", headers=support, json=verdict).status_code == 403
    assert client.put(f"/api/v1/lab/samples/{'a' * 64}/verdict", headers=analyst, json=verdict).status_code == 404
    entry = {"code": "AAAAA-BBBBB-CCCCC-DDDDD", "reason": "fraud"}
    assert client.post("/api/v1/blacklist", headers=analyst, json=entry).status_code == 403
    assert client.post("/api/v1/blacklist", headers=support, json=entry).status_code == 403
    problem = client.post("/api/v1/blacklist", headers=analyst, json=entry)
    assert problem.content_type == "application/problem+json" and "codes:write" in problem.json["detail"]
