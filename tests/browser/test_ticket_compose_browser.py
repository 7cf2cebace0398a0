"""A support engineer in a real Chromium, under the app's real CSP: types a draft, inserts a canned response at
the cursor (draft kept, placeholders filled), switches to the internal note with `n` and adds it (the SMTP sink
gets nothing), replies with `r` (mailed by the worker), and a colleague's reply in between is caught with the
draft kept. The browser must report no CSP violation; axe checks the page at both widths."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from backoffice.extensions import db
from backoffice.models import CannedResponse
from backoffice.services.support import correspondence
from tests.browser.conftest import screenshot, serious_accessibility_problems
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket, product_with_code, staff_actor

CANNED = "Dear {customer_name}, your request {ticket_number} about {product} is with {engineer_name}."


@pytest.fixture
def scene(make):
    staff = make.staff("support", name="Sam Support")
    colleague = make.staff("support", name="Kim Colleague")
    customer = make.customer(email="ada@example.com", name="Ada Lovelace")
    product = product_with_code(customer, name="Anti-Virus Pro")
    ticket = make_ticket(customer, type_code="general", product=product, subject="Scanner stops")
    db.session.add(CannedResponse(title="Greeting", body=CANNED))
    db.session.commit()
    return staff, colleague, ticket


def _sign_in(page, live_server, staff):
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()


def _watch_csp(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("document.addEventListener('securitypolicyviolation', function (e) {"
                         " console.error('Content Security Policy violation: ' + e.violatedDirective); });")
    return problems


def _answers(smtp, ticket) -> list:
    return [m for m in smtp.messages if m["Subject"] == f"Answer to your request {ticket.number}"]


def test_an_engineer_drafts_inserts_notes_and_replies(live_server, page, smtp, workers, scene, backend):
    staff, colleague, ticket = scene
    csp_problems = _watch_csp(page)
    workers.start()
    _sign_in(page, live_server, staff)
    page.goto(f"{live_server}/console/tickets/{ticket.number}")
    reply_box, note_box = page.locator("#reply-body"), page.locator("#note-body")
    expect(reply_box).to_be_visible()
    expect(note_box).to_be_hidden()  # one mode at a time once the script runs

    reply_box.fill("Hello.  Regards, Sam")
    reply_box.evaluate("box => box.setSelectionRange(7, 7)")  # the cursor between the two sentences
    page.get_by_label("Canned response").first.select_option(label="Greeting")
    url = page.url
    page.locator("#compose-reply").get_by_role("button", name="Insert into the reply").click()
    filled = (f"Dear Ada Lovelace, your request {ticket.number} about Anti-Virus Pro is with Sam Support.")
    expect(reply_box).to_have_value(f"Hello. {filled} Regards, Sam")
    assert page.url == url  # inserted in place: no page load, no values in the URL
    if backend == "sqlite":
        screenshot(page, "console-ticket-compose-reply")

    page.locator("h2", has_text="History").click()  # out of the box, so the key is no typing
    page.keyboard.press("n")
    expect(note_box).to_be_focused()
    expect(reply_box).to_be_hidden()
    expect(page.locator("#compose-note").get_by_role("heading", name="Internal note")).to_be_visible()
    if backend == "sqlite":
        screenshot(page, "console-ticket-compose-note")
    note_box.type("r and n typed here stay text")  # keys in a field are text, not shortcuts
    expect(note_box).to_be_focused()
    expect(note_box).to_have_value("r and n typed here stay text")
    note_box.fill("Staff only: on the old engine")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_text("Internal note added; the customer was not told.")).to_be_visible()
    note = page.locator("article", has_text="Staff only: on the old engine")
    expect(note.get_by_text("Internal note")).to_be_visible()

    page.keyboard.press("r")
    expect(reply_box).to_be_focused()
    reply_box.fill("Please update the engine.")
    page.get_by_role("button", name="Send reply to the customer").click()
    expect(page.get_by_text("Reply sent to the customer by e-mail.")).to_be_visible()
    deadline = time.monotonic() + 20
    while not _answers(smtp, ticket) and time.monotonic() < deadline:
        time.sleep(0.1)
    answers = _answers(smtp, ticket)
    assert len(answers) == 1 and "Please update the engine." in smtp.text_of(answers[0])
    assert not any("old engine" in smtp.text_of(m) for m in smtp.messages)  # the note was never mailed

    reply_box.fill("A second answer I took long to write")
    correspondence.staff_reply(ticket, staff_actor(colleague), "Kim was quicker.")
    page.get_by_role("button", name="Send reply to the customer").click()
    expect(page.get_by_role("heading", name="This ticket changed while you were writing")).to_be_visible()
    expect(page.locator("#changed-meanwhile")).to_contain_text("Kim Colleague replied to the customer.")
    expect(page.locator("#changed-meanwhile")).to_contain_text("Kim was quicker.")
    expect(reply_box).to_have_value("A second answer I took long to write")
    if backend == "sqlite":
        screenshot(page, "console-ticket-changed-meanwhile")
    page.get_by_role("button", name="Send reply to the customer").click()
    expect(page.get_by_text("Reply sent to the customer by e-mail.")).to_be_visible()
    expect(page.locator("article", has_text="A second answer I took long to write")).to_be_visible()
    assert csp_problems == []


def test_the_ticket_page_passes_axe_in_both_modes(live_server, audited_page, make, scene, backend):
    staff, colleague, ticket = scene
    page = audited_page
    correspondence.staff_reply(ticket, staff_actor(colleague), "An earlier note.", internal=True)
    _sign_in(page, live_server, staff)
    page.goto(f"{live_server}/console/tickets/{ticket.number}")
    assert serious_accessibility_problems(page) == []
    page.get_by_role("button", name="Internal note").click()
    expect(page.locator("#note-body")).to_be_focused()
    page.wait_for_timeout(400)  # Bootstrap's colour transition of the two buttons ends first
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-ticket-page-{page.width_name}")

    other = make_ticket(make.customer(email="bob@example.com", name="Bob Byte"), subject="Also stops")
    page.get_by_label("Merge this duplicate into ticket number").fill(other.number)
    page.get_by_role("button", name="Review the merge").click()
    expect(page.get_by_label("Yes, merge Ada Lovelace’s ticket into Bob Byte’s ticket")).to_be_visible()
    assert serious_accessibility_problems(page) == []
    if backend == "sqlite":
        screenshot(page, f"console-ticket-merge-confirm-{page.width_name}")


def test_without_javascript_both_forms_show_and_the_insert_keeps_the_draft(live_server, browser, scene, backend):
    staff, colleague, ticket = scene
    context = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, live_server, staff)
    page.goto(f"{live_server}/console/tickets/{ticket.number}")
    expect(page.locator("#reply-body")).to_be_visible()
    expect(page.locator("#note-body")).to_be_visible()  # no script: both forms, one under the other
    page.locator("#note-body").fill("My note so far")
    page.get_by_label("Canned response").nth(1).select_option(label="Greeting")
    page.locator("#compose-note").get_by_role("button", name="Insert into the note").click()
    expect(page.locator("#note-body")).to_have_value(
        f"My note so far\n\nDear Ada Lovelace, your request {ticket.number} about Anti-Virus Pro is with Sam Support.")
    assert page.url.endswith("/canned")  # a POST: nothing typed went into the address
    if backend == "sqlite":
        screenshot(page, "console-ticket-without-javascript")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_text("Internal note added; the customer was not told.")).to_be_visible()
    context.close()
