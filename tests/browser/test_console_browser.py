"""A staff member signs into the console in a real Chromium and opens the customers list."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD


def test_staff_signs_in_and_opens_the_customers_list(live_server, page, make, backend):
    staff = make.staff("support", name="Sam Support")
    make.customer(email="findme@example.com", name="Findable Person")

    page.goto(f"{live_server}/console/customers/")
    assert page.url.startswith(f"{live_server}/console/login")  # sent to the console login first
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()

    page.wait_for_url(f"{live_server}/console/customers/**")
    assert page.title().startswith("Customers")
    expect(page.get_by_text("findme@example.com")).to_be_visible()
    expect(page.get_by_role("link", name="My profile: Sam Support")).to_be_visible()
    expect(page.locator(".navbar .badge >> visible=true")).to_have_text("Support engineer")
    if backend == "sqlite":
        screenshot(page, "console-customers")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/console/login")
    expect(page.get_by_text("You have signed out of the console.")).to_be_visible()
