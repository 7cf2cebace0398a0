"""No input gets a 500 from the API, and a refused request writes nothing but its own audit line: broken JSON,
deep nesting, NUL and control characters, invalid UTF-8, numbers past 64 bits, wrong types, wrong content types,
unknown methods — each a problem document naming what was wrong."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, Ticket, TicketEvent, TicketMessage
from tests.api.helpers import bearer, token_for
from tests.api.seed import seed

BODIES = [
    b"{", b"[]", b'"text"', b"null", b"1e999999", b"[" * 100_000 + b"]" * 100_000, b'{"body": "\\u0000"}',
    b'{"body": "a\\u0007b"}', b'{"body": "\\ud800"}', b'{"body": ["list"]}', b'{"body": {"x": 1}}',
    b'{"body": 12}', b'{"body": "' + b"x" * 200_000 + b'"}', b"\xff\xfe\x00", b'{"assignee_id": 1.5}',
    b'{"assignee_id": 99999999999999999999999}', b'{"assignee_id": "1"}', b'{"status": "deleted"}',
    b'{"customer_id": -1}', b'{"code": "\\u0000"}', b'{"verdict": "clean", "notes": "\\udfff"}',
]


def writes() -> int:
    counts = [db.session.scalar(select(func.count()).select_from(model)) for model in (Ticket, TicketMessage,
                                                                                       TicketEvent)]
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "api.request"))
    return sum(counts) + audit


@pytest.fixture
def world(app, make):
    rows = seed(make)
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    return rows, bearer(token_for(make.staff("admin")))


def test_hostile_bodies_are_refused_with_a_problem(app, client, world):
    rows, auth = world
    number, sha = rows["ticket"].number, rows["sample"].sha256
    targets = [("POST", "/api/v1/tickets"), ("POST", f"/api/v1/tickets/{number}/replies"),
               ("POST", f"/api/v1/tickets/{number}/notes"), ("PATCH", f"/api/v1/tickets/{number}"),
               ("POST", "/api/v1/blacklist"), ("PUT", f"/api/v1/lab/samples/{sha}/verdict")]
    before = writes()
    for method, url in targets:
        for body in BODIES:
            answer = client.open(url, method=method, data=body, headers={**auth, "Content-Type": "application/json"})
            assert 400 <= answer.status_code < 500, (method, url, body[:40], answer.status_code)
            assert answer.content_type == "application/problem+json"
            assert answer.json["status"] == answer.status_code
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            answer = client.open(url, method=method, data=b"body=x", headers={**auth, "Content-Type": content_type})
            assert answer.status_code == 415, (url, content_type)
    assert writes() == before


@pytest.mark.parametrize("path", [
    "/api/v1/tickets/%00", "/api/v1/tickets/TS-2026-%FF", "/api/v1/customers/99999999999999999999999",
    "/api/v1/customers/-1", "/api/v1/codes/%E2%80%AE", "/api/v1/codes/" + "A" * 3000, "/api/v1/lab/samples/%00",
    "/api/v1/tickets?after=%00", "/api/v1/tickets?sort=999&dir=x", "/api/v1/tickets?customer=1e9",
    "/api/v1/tickets?after=2026-01-01T00:00:00~1&sort=activity", "/api/v1/tickets?after=junk~junk&sort=age",
    "/api/v1/audit?after=99999999999999999999", "/api/v1/customers?q=%FF%FE", "/api/v1/customers?q=a",
    "/api/v1/lab/samples?hash=zz", "/api/v1/tickets?q=" + "x" * 5000, "/api/v1/tickets?overdue=maybe",
])
def test_hostile_addresses_get_a_client_error(app, client, world, path):
    _rows, auth = world
    answer = client.get(path, headers=auth)
    assert 200 <= answer.status_code < 500 and answer.status_code != 500, (path, answer.status_code)
    if answer.status_code >= 400:
        assert answer.content_type == "application/problem+json"


def test_unknown_methods_and_addresses_are_problems(app, client, world):
    _rows, auth = world
    for method, path, status in [("DELETE", "/api/v1/tickets", 405), ("PUT", "/api/v1/audit", 405),
                                 ("GET", "/api/v1/nothing-here", 404), ("TRACE", "/api/v1/tickets", 405)]:
        answer = client.open(path, method=method, headers=auth)
        assert answer.status_code == status and answer.content_type == "application/problem+json", (method, path)
