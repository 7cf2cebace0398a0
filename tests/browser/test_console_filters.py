"""A staff member filters the customers list with the plain filter form, in a Chromium with JavaScript off:
the form needs no script. With script on, the list page raises no Content-Security-Policy errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backoffice.models import CustomerStatus
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD


@pytest.fixture
def no_script_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _sign_in(page, live_server, staff):
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_url(f"{live_server}/console/")


def _listed(page) -> list[str]:
    return [cell.strip() for cell in page.locator("td.col-email").all_inner_texts()]


def test_filter_customers_by_status_and_country_without_javascript(live_server, no_script_page, make, backend):
    page = no_script_page
    staff = make.staff("support")
    for email, country, status in [("anna@example.de", "DE", CustomerStatus.ACTIVE),
                                   ("bert@example.de", "DE", CustomerStatus.LOCKED),
                                   ("chloe@example.fr", "FR", CustomerStatus.ACTIVE)]:
        make.customer(email=email, country=country, status=status, created_at=datetime(2025, 3, 1, tzinfo=UTC))
    _sign_in(page, live_server, staff)

    page.goto(f"{live_server}/console/customers/")
    assert sorted(_listed(page)) == ["anna@example.de", "bert@example.de", "chloe@example.fr"]
    assert page.get_by_text("Add Filter").count() == 0
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Country (ISO code)").fill("de")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/console/customers/?*")

    assert _listed(page) == ["anna@example.de"]
    assert page.get_by_label("Status").input_value() == "active"  # the choices stay in the form
    assert page.get_by_label("Country (ISO code)").input_value() == "de"
    assert page.locator("#list-count").inner_text() == "1 matching"
    if backend == "sqlite":
        screenshot(page, "console-customers-filtered")

    page.get_by_role("link", name="Clear", exact=True).click()
    page.wait_for_url(f"{live_server}/console/customers/")
    assert len(_listed(page)) == 3
    assert page.get_by_label("Status").input_value() == ""


def test_the_filtered_list_raises_no_script_or_policy_errors(live_server, page, make):
    staff = make.staff("admin")
    make.customer(email="anna@example.de", country="DE")
    problems = []
    # the browser's own /favicon.ico request (the app has none) is not the page's doing
    page.on("console", lambda message: problems.append(message.text) if message.type == "error"
            and not message.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    _sign_in(page, live_server, staff)
    for url in ("/console/customers/?flt0_0=active&flt1_1=DE", "/console/audit/", "/console/outbox/"):
        page.goto(f"{live_server}{url}")
        page.get_by_role("button", name="Apply filters").wait_for()
    assert problems == []
