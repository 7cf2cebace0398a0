"""Issue 12 in a real Chromium at 1366 and 390 px: the staff customer page, the ticket sidebar with a blacklisted
code, the wizard's code choice and the privacy page; axe-core finds nothing critical or serious on any of them."""

from __future__ import annotations

from playwright.sync_api import expect

from backoffice.extensions import db
from backoffice.models import CodeRegistration
from backoffice.services import customer_notes
from tests.browser.conftest import screenshot, serious_accessibility_problems
from tests.factories import PASSWORD
from tests.licensing_helpers import make_code, make_product
from tests.support.helpers import make_ticket, staff_actor


def _customer_with_a_blacklisted_code(make):
    customer = make.customer(email="ada@example.com", name="Ada Lovelace", country="GB")
    product = make_product("Total Security")
    for code in (make_code(product, seats=3), make_code(product, blacklisted=True)):
        db.session.add(CodeRegistration(code_id=code.id, customer_id=customer.id))
    db.session.commit()
    return customer, product


def _sign_in_console(page, live_server, staff):
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()


def test_the_customer_page_and_the_ticket_sidebar(live_server, audited_page, make, backend):
    page = audited_page
    staff = make.staff("support", name="Sam Support")
    customer, _ = _customer_with_a_blacklisted_code(make)
    ticket = make_ticket(customer, subject="My code stopped working")
    customer_notes.add_note(customer, "Prefers answers by e-mail in English.", staff_actor(staff))
    _sign_in_console(page, live_server, staff)

    page.goto(f"{live_server}/console/customers/details/?id={customer.id}")
    expect(page.get_by_role("link", name=ticket.number)).to_be_visible()
    expect(page.locator("#codes-table").get_by_text("Blacklisted")).to_be_visible()
    expect(page.get_by_text("Prefers answers by e-mail in English.")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-customer-page-{page.width_name}")

    page.goto(f"{live_server}/console/tickets/{ticket.number}")
    expect(page.locator("#customer-codes").get_by_text("Blacklisted")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-ticket-codes-{page.width_name}")


def test_the_wizard_offers_the_customers_codes_and_the_privacy_page(live_server, audited_page, make, backend):
    page = audited_page
    customer, product = _customer_with_a_blacklisted_code(make)
    page.goto(f"{live_server}/login")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.goto(f"{live_server}/support/new")
    page.get_by_label("Key problem", exact=False).first.check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Product")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"portal-wizard-code-{page.width_name}")

    page.goto(f"{live_server}/account/privacy")
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"portal-privacy-{page.width_name}")
