"""A support engineer's working day in one walk, in a real Chromium under the app's real CSP (issue 13's test):
land on the dashboard, open a queue sorted by first-response due, open the first ticket with the keyboard, type a
draft, insert a canned response (draft kept, placeholders filled), add an internal note (the SMTP sink gets
nothing), reply (mailed by the worker), a colleague's reply in between caught with the draft kept, then save the
queue as a view and delete it through the confirmation. The browser reports no CSP violation."""

from __future__ import annotations

import time
from datetime import timedelta

from playwright.sync_api import expect

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import CannedResponse, SavedQueueView, StaffQueue, SupportRequestType
from backoffice.services.support import correspondence
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket, product_with_code, staff_actor

CANNED = "Dear {customer_name}, {engineer_name} is looking at {ticket_number} about {product}."
CSP_WATCH = ("document.addEventListener('securitypolicyviolation', function (e) {"
             " console.error('Content Security Policy violation: ' + e.violatedDirective); });")


def _scene(make):
    engineer = make.staff("support", name="Sam Support")
    colleague = make.staff("support", name="Kim Colleague")
    general = db.session.query(SupportRequestType).filter_by(code="general").one()
    db.session.add(StaffQueue(staff_id=engineer.id, request_type_id=general.id))
    customer = make.customer(email="ada@example.com", name="Ada Lovelace")
    product = product_with_code(customer, name="Anti-Virus Pro")
    now = utcnow()
    tickets = {}
    for hours, subject in ((6, "Update fails"), (1, "Scanner stops"), (3, "Licence question")):
        ticket = make_ticket(customer, type_code="general", product=product, subject=subject)
        ticket.first_response_due_at = now + timedelta(hours=hours)
        tickets[hours] = ticket
    db.session.add(CannedResponse(title="Looking at it", body=CANNED))
    db.session.commit()
    return engineer, colleague, tickets


def _answers(smtp, ticket) -> list:
    return [m for m in smtp.messages if m["Subject"] == f"Answer to your request {ticket.number}"]


def _wait_for_mail(smtp, ticket, count: int) -> list:
    deadline = time.monotonic() + 20
    while len(_answers(smtp, ticket)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return _answers(smtp, ticket)


def test_an_engineer_works_a_queue_from_the_dashboard_to_a_reply(live_server, page, smtp, workers, make, backend):
    engineer, colleague, tickets = _scene(make)
    soonest = tickets[1]
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(CSP_WATCH)
    workers.start()

    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(engineer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()  # where sign-in lands
    expect(page.get_by_role("link", name="My open tickets")).to_be_visible()

    page.get_by_role("link", name="General question").first.click()  # the unassigned tickets of a queue I work
    expect(page.locator("tr[data-queue-row]")).to_have_count(3)
    page.get_by_role("link", name="First response due").click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("First response due")
    numbers = page.locator("tr[data-queue-row] a[data-open]").all_inner_texts()
    assert numbers == [tickets[1].number, tickets[3].number, tickets[6].number]  # soonest due first
    if backend == "sqlite":
        screenshot(page, "walk-queue-by-first-response-due")

    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/console/tickets/{soonest.number}")
    reply_box = page.locator("#reply-body")
    reply_box.fill("Hello.  Regards, Sam")
    reply_box.evaluate("box => box.setSelectionRange(7, 7)")
    page.locator("#compose-reply").get_by_label("Canned response").select_option(label="Looking at it")
    page.locator("#compose-reply").get_by_role("button", name="Insert into the reply").click()
    filled = f"Dear Ada Lovelace, Sam Support is looking at {soonest.number} about Anti-Virus Pro."
    expect(reply_box).to_have_value(f"Hello. {filled} Regards, Sam")  # the draft kept around the insert

    page.locator("h2", has_text="History").click()  # out of the box: the next key is a shortcut, not text
    page.keyboard.press("n")
    note_box = page.locator("#note-body")
    expect(note_box).to_be_focused()
    note_box.fill("Staff only: the customer runs the old engine")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_text("Internal note added; the customer was not told.")).to_be_visible()

    page.wait_for_load_state("load")
    expect(reply_box).to_have_value("")
    reply_box.fill(f"Hello. {filled} Please update the engine.")
    page.get_by_role("button", name="Send reply to the customer").click()
    expect(page.get_by_text("Reply sent to the customer by e-mail.")).to_be_visible()
    mails = _wait_for_mail(smtp, soonest, 1)
    assert len(mails) == 1 and "Please update the engine." in smtp.text_of(mails[0])
    assert not any("old engine" in smtp.text_of(m) for m in smtp.messages)  # the note reached nobody

    reply_box.fill("A longer answer I took my time over")
    correspondence.staff_reply(soonest, staff_actor(colleague), "Kim answered first.")
    page.get_by_role("button", name="Send reply to the customer").click()
    expect(page.get_by_role("heading", name="This ticket changed while you were writing")).to_be_visible()
    expect(page.locator("#changed-meanwhile")).to_contain_text("Kim Colleague replied to the customer.")
    expect(reply_box).to_have_value("A longer answer I took my time over")  # nothing lost
    assert len(_wait_for_mail(smtp, soonest, 2)) == 2  # the colleague's answer only: ours waits for a second send
    page.get_by_role("button", name="Send reply to the customer").click()
    expect(page.get_by_text("Reply sent to the customer by e-mail.")).to_be_visible()
    assert len(_wait_for_mail(smtp, soonest, 3)) == 3

    page.get_by_role("link", name="Tickets", exact=True).click()
    page.get_by_label("Save these filters and sort as").fill("Due soon")
    page.get_by_role("button", name="Save view").click()
    page.get_by_role("link", name="Rename or delete saved views").click()
    page.wait_for_load_state("load")  # confirm.js listens once loaded (a click before that gets the confirm page)
    delete = page.get_by_role("button", name="Delete “Due soon”")
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    delete.click()
    expect(delete).to_be_visible()  # cancelled: still there
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    delete.click()
    expect(page.get_by_text("Deleted the view “Due soon”.")).to_be_visible()
    assert questions == ["Delete the saved view “Due soon”?"] * 2
    db.session.expire_all()
    assert db.session.query(SavedQueueView).count() == 0
    assert problems == []
