"""A customer walks the support wizard in a real Chromium: a wrong step, Back, files, review, Submit; then
the request page with its number, and an engineer answers it in the console."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.support.helpers import product_with_code


def test_customer_sends_a_request_through_the_wizard(live_server, page, make, backend, tmp_path):
    customer = make.customer(email="walker@example.com", name="Wanda Walker")
    product_with_code(customer, "Total Security")
    log = tmp_path / "setup.log"
    log.write_text("error 1923 while installing\n")
    report = tmp_path / "GSI-report.zip"
    report.write_bytes(b"PK\x03\x04 report")
    shots = backend == "sqlite"

    page.goto(f"{live_server}/support/new")
    page.get_by_label("E-mail").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/step/1")
    expect(page.get_by_text("Step 1 of 5: Request type")).to_be_visible()
    page.get_by_role("button", name="Next").click()  # nothing chosen
    expect(page.get_by_text("Choose the type of your request.")).to_be_visible()
    page.get_by_label("Problems with Setup / Remove application").check()
    if shots:
        screenshot(page, "support-wizard-1")
    page.get_by_role("button", name="Next").click()

    page.wait_for_url("**/step/2")
    page.get_by_label("Product").select_option(label="Total Security")
    if shots:
        screenshot(page, "support-wizard-2")
    page.get_by_role("button", name="Next").click()

    page.wait_for_url("**/step/3")
    page.get_by_label("Subject").fill("Setup stops")
    page.get_by_label("Describe your question or problem").fill("Setup stops at 40% with error 1923.")
    page.get_by_label("Attach files").set_input_files(str(log))
    page.get_by_role("button", name="Next").click()
    page.wait_for_url("**/step/4")
    page.get_by_role("button", name="Back").click()  # back: what was typed and the file are still there
    page.wait_for_url("**/step/3")
    expect(page.get_by_label("Describe your question or problem")).to_have_value(re.compile(r"^Setup stops at 40%"))
    expect(page.get_by_text("Remove setup.log")).to_be_visible()
    if shots:
        screenshot(page, "support-wizard-3")
    page.get_by_role("button", name="Next").click()

    page.wait_for_url("**/step/4")
    page.get_by_label("Operating system").select_option("Windows 11")
    page.get_by_label("Full product version").fill("21.3")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("for example 21.3.10.391", exact=False).first).to_be_visible()
    page.get_by_label("Full product version").fill("21.3.10.391")
    page.get_by_label("GetSystemInfo report").set_input_files(str(report))
    if shots:
        screenshot(page, "support-wizard-4")
    page.get_by_role("button", name="Next").click()

    page.wait_for_url("**/step/5")
    expect(page.get_by_text("Problems with Setup / Remove application")).to_be_visible()
    expect(page.get_by_text("GSI-report.zip", exact=False)).to_be_visible()
    if shots:
        screenshot(page, "support-wizard-5")
    page.get_by_role("button", name="Submit request").click()

    page.wait_for_url("**/support/requests/TS-*")
    number = page.url.rsplit("/", 1)[-1]
    expect(page.get_by_text(f"Its number is {number}")).to_be_visible()
    expect(page.get_by_role("link", name="setup.log")).to_be_visible()
    if shots:
        screenshot(page, "support-request")
    page.go_back()  # back to the review: the submitted wizard leads to the request, not to a second one
    page.wait_for_url(f"**/support/requests/{number}")
    page.goto(f"{live_server}/support/")
    assert page.locator("tbody tr").count() == 1

    console_context = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    staff_page = console_context.new_page()
    engineer = make.staff("support", name="Erin Engineer")
    staff_page.goto(f"{live_server}/console/tickets/?queue=setup")
    staff_page.get_by_label("E-mail").fill(engineer.email)
    staff_page.get_by_label("Password").fill(PASSWORD)
    staff_page.get_by_role("button", name="Sign in to the console").click()
    staff_page.wait_for_url("**/console/tickets/**")
    if shots:
        screenshot(staff_page, "support-console-queue")
    staff_page.get_by_role("link", name=number).click()
    staff_page.get_by_label("Your reply to the customer").fill("Please run the setup again as administrator.")
    staff_page.get_by_label("Then set the state to").select_option("waiting")
    staff_page.get_by_role("button", name="Send reply to the customer").click()
    expect(staff_page.get_by_text("Reply sent to the customer by e-mail.")).to_be_visible()
    if shots:
        screenshot(staff_page, "support-console-ticket")
    console_context.close()
    page.goto(f"{live_server}/support/requests/{number}")
    expect(page.get_by_text("Please run the setup again as administrator.")).to_be_visible()
    expect(page.get_by_text("Waiting for customer")).to_be_visible()
