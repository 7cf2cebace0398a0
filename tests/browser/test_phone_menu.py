"""On a 390 px phone, with JavaScript off, the portal's and the console's menus open from their "Menu" button
(a <details> element): a customer reaches every service and signs out, a staff member every console page of a
menu category and signs out; on a wide screen the menu shows in one row and the button is not there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backoffice.portal.home import SERVICES
from tests.factories import PASSWORD


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _sign_in(page, url: str, email: str) -> None:
    page.goto(url)
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def test_a_customer_on_a_phone_reaches_every_service_and_signs_out(live_server, phone, make):
    customer = make.customer(email="phone@example.com")
    _sign_in(phone, f"{live_server}/login", customer.email)
    header = phone.get_by_role("banner")
    expect(header.get_by_role("link", name="Technical Support")).to_be_hidden()  # folded away
    header.get_by_text("Menu", exact=True).click()
    for label in ["Profile", "Activation codes", "Virus Lab", "Technical Support"]:
        expect(header.get_by_role("link", name=label, exact=True)).to_be_visible()
    assert {label for _endpoint, label, _text in SERVICES} <= {"Activation codes", "Virus Lab", "Technical Support"}
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    header.get_by_role("link", name="Technical Support").click()
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert phone.url.endswith("/support/")
    header.get_by_text("Menu", exact=True).click()
    expect(header.get_by_role("link", name="Technical Support")).to_have_attribute("aria-current", "page")
    header.get_by_role("button", name="Sign out").click()
    expect(phone.get_by_text("You have signed out.")).to_be_visible()


def test_a_staff_member_on_a_phone_opens_a_menu_category_and_signs_out(live_server, phone, make):
    staff = make.staff("admin", email="phone-admin@example.com")
    _sign_in(phone, f"{live_server}/console/login", staff.email)
    header = phone.get_by_role("banner")
    header.get_by_text("Menu", exact=True).click()
    header.locator("summary:visible", has_text="Admin").click()  # a category: a <details> of its own
    header.get_by_role("link", name="Staff users").click()
    assert "/console/staff/" in phone.url
    header.get_by_text("Menu", exact=True).click()
    header.get_by_role("button", name="Sign out").click()
    assert "/console/login" in phone.url


def test_on_a_wide_screen_the_menu_is_one_row_without_the_button(live_server, page, make):
    customer = make.customer(email="wide@example.com")
    _sign_in(page, f"{live_server}/login", customer.email)
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="Technical Support")).to_be_visible()
    expect(header.get_by_text("Menu", exact=True)).to_be_hidden()
