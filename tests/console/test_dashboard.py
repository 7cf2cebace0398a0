"""The console dashboard: counts per area, bounded so the page stays cheap at millions of rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import CustomerStatus, OutboxStatus
from tests.factories import PASSWORD
from tests.viruslab_analysis import analysed, submit


def _counts(page: str) -> dict[str, str]:
    return dict(re.findall(r"<span>([^<]+)</span><strong>([^<]+)</strong>", page))


def _queue(status: str) -> None:
    message = queue_mail("x@example.com", "Subject", "staff_locked", name="X", failures=1)
    message.status = status
    db.session.commit()


@pytest.mark.parametrize("role", ["admin", "support", "analyst"])
def test_the_dashboard_shows_exact_counts_under_the_limit(make, console, client, role):
    for _ in range(2):
        make.customer(status=CustomerStatus.ACTIVE)
    make.customer(status=CustomerStatus.PENDING)
    _queue(OutboxStatus.QUEUED)
    _queue(OutboxStatus.FAILED)
    _queue(OutboxStatus.SENT)
    analysed(b"first file", "one.bin")  # waiting for an analyst
    submit(b"second file", "two.bin")  # its analysis job not run yet
    staff = make.staff(role)
    console.login("nobody@example.com", "wrong")  # one failed staff sign-in
    console.login(staff.email, PASSWORD)

    response = client.get("/console/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<title>Dashboard · Console</title>" in page
    assert _counts(page) == {"Pending": "1", "Active": "4", "Locked": "0", "Legacy": "0",
                             "Waiting": "3",  # the outbox: one queued by hand, two Virus Lab confirmations
                             "Failed": "1", "Waiting for an analyst": "1", "Being analysed": "1",
                             "Analysis failed": "0", "Failed staff sign-ins": "1", "Failed customer sign-ins": "0"}
    for link in ("/console/customers/", "/console/outbox/", "/console/viruslab/", "/console/audit/"):
        assert f'href="{link}"' in page


@pytest.fixture
def small_count_limit(app_config):
    app_config["EXACT_COUNT_LIMIT"] = 3


def test_the_dashboard_bounds_its_counts_past_the_limit(small_count_limit, app, make, console, client, backend):
    for _ in range(6):
        make.customer(status=CustomerStatus.ACTIVE)
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)

    counts = _counts(client.get("/console/").get_data(as_text=True))

    if backend == "sqlite":
        assert counts["Active"] == "more than 3"
    else:
        assert re.fullmatch(r"about [\d,]+", counts["Active"])  # the planner's estimate, never below the limit
        assert int(counts["Active"].split()[1].replace(",", "")) >= 3
    assert counts["Pending"] == "0"  # small counts stay exact


def test_failed_customer_sign_ins_of_the_last_24_hours_are_counted(app, make, console, client):
    customer = make.customer(email="ann@example.com")
    portal = app.test_client()
    set_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    try:
        portal.post("/login", data={"email": customer.email, "password": "wrong"})  # two days before: not counted
        set_now(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
        portal.post("/login", data={"email": customer.email, "password": "still wrong"})
        portal.post("/login", data={"email": "nobody@example.com", "password": "anything"})  # unknown address
        portal.post("/login", data={"email": customer.email, "password": PASSWORD})  # a success is not a failure
        set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
        staff = make.staff("support")
        console.login(staff.email, PASSWORD)
        counts = _counts(client.get("/console/").get_data(as_text=True))
    finally:
        set_now(None)
    assert counts["Failed customer sign-ins"] == "2"
    assert counts["Failed staff sign-ins"] == "0"
