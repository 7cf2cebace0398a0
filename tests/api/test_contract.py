"""schemathesis against the served OpenAPI document, for a read-only token and a read-write token: no request it
generates gets a 5xx, and every response matches the document (status, content type, headers, body schema).

Bounded for the normal run (a few examples per operation, about a minute in all);
BACKOFFICE_API_CONTRACT_FULL=1 runs many more examples per operation."""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent
from tests.api.helpers import bearer, token_for
from tests.api.seed import seed

FULL = os.environ.get("BACKOFFICE_API_CONTRACT_FULL") == "1"
EXAMPLES = 200 if FULL else 6
BUDGET_SECONDS = 3600 if FULL else 25  # per token and backend: past it, the remaining operations get one example
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.mark.parametrize("access", ["read", "write"])
def test_every_operation_keeps_the_contract(app, make, access):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    seed(make)
    admin = make.staff("admin")
    scopes = [f"{area}:{access}" for area in ("tickets", "customers", "codes", "lab")] + ["audit:read"]
    headers = bearer(token_for(admin, scopes))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        examples = EXAMPLES if time.monotonic() - started < BUDGET_SECONDS else 1

        @given(case=operation.as_strategy())
        @settings(max_examples=examples, deadline=None, database=None, derandomize=not FULL,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
    # the requests really reached the API with the token: each one is in the audit trail, some of them answered
    statuses = [event.after["status"] for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "api.request"))]
    assert len(statuses) >= len(operations) * 2
    assert any(200 <= status < 300 for status in statuses) and any(status >= 400 for status in statuses)
    assert not any(status >= 500 for status in statuses)
