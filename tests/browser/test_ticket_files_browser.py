"""A support engineer in a real Chromium opens a ticket whose files were checked, sends one to the Virus Lab with
the page's own button, and sees the lab request on the file; the risky file offers only the encrypted zip."""

from __future__ import annotations

import io

from playwright.sync_api import expect

from backoffice.services.support.attachments import Upload
from backoffice.services.support.correspondence import customer_reply
from tests.browser.conftest import screenshot
from tests.console.test_ticket_files import EXECUTABLE, TEXT, run_checks
from tests.factories import PASSWORD
from tests.support.helpers import customer_actor, make_ticket


def test_an_engineer_sends_a_ticket_file_to_the_virus_lab(live_server, page, make, backend):
    staff = make.staff("support", name="Sam Support")
    ticket = make_ticket(make.customer(email="ada@example.com"), subject="A strange program")
    customer_reply(ticket, customer_actor(ticket.customer), "These two were on my desktop.",
                   [Upload(io.BytesIO(EXECUTABLE), "invoice.exe"), Upload(io.BytesIO(TEXT), "notes.txt")])
    run_checks()

    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.goto(f"{live_server}/console/tickets/{ticket.number}")

    program = page.locator("li", has_text="invoice.exe")
    expect(program.get_by_text("Risky: executable program")).to_be_visible()
    expect(program.get_by_role("link", name="Download as encrypted zip")).to_be_visible()
    expect(page.locator("li", has_text="notes.txt").get_by_role("link", name="Download", exact=True)).to_be_visible()
    program.get_by_role("button", name="Send to the Virus Lab").click()
    expect(page.get_by_text("was sent to the Virus Lab as request VL-")).to_be_visible()
    expect(page.locator("li", has_text="invoice.exe").get_by_text("Verdict: none yet")).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "console-ticket-files")
