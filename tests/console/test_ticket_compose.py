"""The ticket page's compose area without JavaScript: a reply to the customer and an internal note are two
forms that look and say different things, the reply is mailed by the job worker and the note never is; canned
responses keep the typed draft, fill their placeholders (escaped on the page), and refuse unknown ones when
saved; the thread and the history name people and read as sentences."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CannedResponse, TicketMessage
from backoffice.services.support import canned, correspondence, staff_actions
from tests.factories import PASSWORD
from tests.support.helpers import customer_actor, make_ticket, product_with_code, staff_actor


def _ticket(make, name="Ada Lovelace"):
    customer = make.customer(email="ada@example.com", name=name)
    product = product_with_code(customer, name="Anti-Virus Pro")
    return make_ticket(customer, type_code="general", product=product, subject="Scanner stops")


def _signed_in(make, console, name="Sam Support"):
    staff = make.staff("support", name=name)
    console.login(staff.email, PASSWORD)
    return staff


def _form(page: str, action: str) -> str:
    """The <form> posting to `action` on the page."""
    match = re.search(r'<form[^>]*action="[^"]*/' + action + r'"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


def test_reply_and_note_are_two_different_forms(make, console, client):
    ticket = _ticket(make)
    _signed_in(make, console)
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    reply = page[page.index('id="compose-reply"'):page.index('id="compose-note"')]
    note = page[page.index('id="compose-note"'):page.index("</section>", page.index('id="compose-note"'))]
    assert "Reply to the customer" in reply and "Send reply to the customer" in reply and "bg-warning" not in reply
    assert 'id="reply-body"' in reply and 'name="internal"' not in reply
    assert "Internal note" in note and "Add internal note" in note and "bg-warning" in note
    assert 'id="note-body"' in note and '<input type="hidden" name="internal" value="1">' in note
    assert "Send reply" not in note and "gets no e-mail" in note
    assert "Mailed to Ada Lovelace" in reply
    # nothing preselected in either canned select but the prompt
    for picker in re.findall(r'<select id="(?:reply|note)-canned".*?</select>', page, re.S):
        assert re.findall(r"<option[^>]*selected", picker) == ['<option value="" selected']


def test_the_reply_is_mailed_by_the_worker_and_the_note_never(smtp, workers, make, console, client):
    ticket = _ticket(make)
    _signed_in(make, console)
    noted = client.post(f"/console/tickets/{ticket.number}/reply",
                        data={"body": "Staff only: customer is on the old engine", "internal": "1"},
                        follow_redirects=True)
    assert "Internal note added; the customer was not told." in noted.get_data(as_text=True)
    replied = client.post(f"/console/tickets/{ticket.number}/reply", data={"body": "Please update the engine."},
                          follow_redirects=True)
    assert "Reply sent to the customer by e-mail." in replied.get_data(as_text=True)
    workers.start()
    mail = smtp.wait_for(2, timeout=20)  # the "request received" mail of the wizard, then the reply
    time.sleep(1)  # a third mail (the note) would have left by now
    texts = [smtp.text_of(m) for m in smtp.messages]
    assert len(smtp.messages) == 2
    assert any("Please update the engine." in t for t in texts)
    assert not any("old engine" in t for t in texts)
    assert [m["Subject"] for m in mail].count(f"Answer to your request {ticket.number}") == 1
    kinds = dict(db.session.execute(select(TicketMessage.body, TicketMessage.kind)
                                    .where(TicketMessage.ticket_id == ticket.id)).all())
    assert kinds["Staff only: customer is on the old engine"] == "note"
    assert kinds["Please update the engine."] == "reply"


def test_canned_insert_without_javascript_keeps_the_draft_and_fills_placeholders(make, console, client):
    ticket = _ticket(make, name="Ada <b>Lovelace</b>")
    _signed_in(make, console)
    response = CannedResponse(title="Greeting", body="Dear {customer_name}, about {ticket_number} "
                                                     "({product}): {engineer_name} here.")
    db.session.add(response)
    db.session.commit()
    page = client.post(f"/console/tickets/{ticket.number}/canned",
                       data={"mode": "note", "body": "My own words", "canned": str(response.id)})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    filled = (f"My own words\n\nDear Ada &lt;b&gt;Lovelace&lt;/b&gt;, about {ticket.number} (Anti-Virus Pro): "
              "Sam Support here.</textarea>")
    note_box = text[text.index('id="note-body"'):]
    assert filled in note_box[:note_box.index("</textarea>") + 11]
    assert "<b>Lovelace</b>" not in text  # escaped everywhere, also in the options' data-text
    reply_box = text[text.index('id="reply-body"'):]
    assert reply_box[reply_box.index(">") + 1:].startswith("</textarea>")  # the other box stays as it was
    # the values travel in the body, never in the URL; a GET with them inserts nothing
    assert ' action="' + f"/console/tickets/{ticket.number}/canned" not in text  # only as a formaction
    assert f'formaction="/console/tickets/{ticket.number}/canned"' in text
    assert client.get(f"/console/tickets/{ticket.number}/canned").status_code == 405
    missing = client.post(f"/console/tickets/{ticket.number}/canned", data={"mode": "reply", "body": "Kept"})
    missing_text = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Kept</textarea>" in missing_text
    assert 'aria-describedby="reply-canned-error"' in missing_text and "Choose a canned response" in missing_text


def test_fill_is_the_one_rule_and_leaves_braces_that_are_no_placeholder(make):
    ticket = _ticket(make)
    staff = make.staff("support", name="Sam Support")
    assert canned.fill("{customer_name} / {ticket_number} / {product} / {engineer_name} / { } {1x}",
                       ticket, staff) == f"Ada Lovelace / {ticket.number} / Anti-Virus Pro / Sam Support / {{ }} {{1x}}"
    assert canned.unknown_placeholders("Hi {customer}, {customer_name} {ticket}") == ["customer", "ticket"]


def test_an_unknown_placeholder_is_refused_beside_the_field(make, console, client):
    console.login(make.staff("admin").email, PASSWORD)
    form = client.get("/console/canned/new/").get_data(as_text=True)
    assert "{customer_name}" in form and "{engineer_name}" in form  # the list is documented on the form
    response = client.post("/console/canned/new/", data={"title": "Typo", "body": "Dear {custommer_name},"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown placeholder {custommer_name}" in text and "is-invalid" in text
    assert "Dear {custommer_name},</textarea>" in text  # what was typed comes back
    assert db.session.scalar(select(CannedResponse).where(CannedResponse.title == "Typo")) is None
    client.post("/console/canned/new/", data={"title": "Fine", "body": "Dear {customer_name},"})
    saved = db.session.scalar(select(CannedResponse.body).where(CannedResponse.title == "Fine"))
    assert saved == "Dear {customer_name},"


def test_thread_and_history_name_people_in_sentences(make, console, client):
    ticket = _ticket(make)
    staff = _signed_in(make, console)
    colleague = make.staff("support", name="Kim Colleague")
    correspondence.customer_reply(ticket, customer_actor(ticket.customer), "Still broken.")
    correspondence.staff_reply(ticket, staff_actor(colleague), "Looking into it.", internal=True)
    correspondence.staff_reply(ticket, staff_actor(staff), "Please update.")
    staff_actions.update_ticket(ticket, staff_actor(colleague), {"priority": "urgent", "assignee_id": colleague.id})
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "ada@example.com (customer)" not in page and "(staff)" not in page
    assert "<strong>Ada Lovelace</strong>" in page and "<strong>Kim Colleague</strong>" in page
    history = page[page.index('id="history"'):]
    for sentence in ("Ada Lovelace sent the request to the General question queue.", "Ada Lovelace replied.",
                     "Kim Colleague added an internal note.", "Sam Support replied to the customer.",
                     "Sam Support changed the state from New to Open.", "Sam Support took the ticket.",
                     "Kim Colleague changed the priority from Normal to Urgent.",
                     "Kim Colleague took the ticket."):
        assert sentence in history, sentence
    assert "@staff.example.com" not in history and "_" not in re.sub(r"<[^>]+>", "", history.split("</ol>")[0])
    assert re.search(r"<time datetime=\"[^\"]+\" title=\"[^\"]+ UTC\">", history)


def test_every_time_on_the_page_is_in_the_engineers_zone(make, console, client):
    ticket = _ticket(make)
    staff = make.staff("support", name="Sam Support", time_zone="Europe/Berlin")
    console.login(staff.email, PASSWORD)
    correspondence.staff_reply(ticket, staff_actor(staff), "Hello.")
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page[page.index("<h2 class=\"h5\">Thread"):])
    assert "CET" in visible and "UTC" not in visible
    assert not re.search(r"\b(normal|new|staff_replied|note_added|general)\b", visible)
    assert "Priority: Normal" in page


def test_the_page_shows_no_machine_words(make, console, client):
    ticket = _ticket(make)
    staff = _signed_in(make, console)
    correspondence.staff_reply(ticket, staff_actor(staff), "Noted.", internal=True)
    correspondence.staff_reply(ticket, staff_actor(staff), "Answer.", then_status="waiting")
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    body = page[page.index("<h1"):]
    visible = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", body, flags=re.S)
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", visible) == []
    assert "Waiting for customer" in visible and "Priority: Normal" in visible
