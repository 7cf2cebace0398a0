"""No lost work between colleagues: a reply, note or change posted from a page drawn before the ticket changed
is not applied; the page comes back (409) naming what changed with the draft still in its box, and a second
send (carrying the new markers) goes through. The check runs on the locked row, so two engineers racing on
PostgreSQL get one reply in and one page back."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Ticket, TicketMessage
from backoffice.services.support import correspondence, staff_actions
from backoffice.services.support.meanwhile import ChangedMeanwhile, Seen, changes_since, seen_now
from tests.factories import PASSWORD
from tests.races import run_together
from tests.support.helpers import customer_actor, make_ticket, staff_actor


@pytest.fixture
def ticket(make):
    return make_ticket(make.customer(email="ada@example.com", name="Ada Lovelace"), subject="Scanner stops")


def _markers(page: str, form_action: str) -> dict:
    form = re.search(r'<form[^>]*action="[^"]*/' + form_action + r'".*?</form>', page, re.S).group(0)
    return dict(re.findall(r'name="(seen_\w+)" value="(\d+)"', form))


def _messages(ticket) -> list[str]:
    return list(db.session.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id)
                                   .order_by(TicketMessage.id)))


def test_a_colleagues_reply_in_between_returns_the_page_with_the_draft(make, console, client, ticket):
    sam = make.staff("support", name="Sam Support")
    kim = make.staff("support", name="Kim Colleague")
    console.login(sam.email, PASSWORD)
    seen = _markers(client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), "reply")
    correspondence.staff_reply(ticket, staff_actor(kim), "Kim answered first.")
    correspondence.customer_reply(ticket, customer_actor(ticket.customer), "Thanks, and one more thing.")
    response = client.post(f"/console/tickets/{ticket.number}/reply", data={"body": "My long answer", **seen})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This ticket changed while you were writing" in page
    changed = page[page.index('id="changed-meanwhile"'):page.index('id="compose"')]
    assert "Kim Colleague replied to the customer." in changed and "Ada Lovelace replied." in changed
    assert "Kim answered first." in changed and "Thanks, and one more thing." in changed
    assert "Kim Colleague changed the state from New to Open." in changed
    assert "My long answer</textarea>" in page
    assert _messages(ticket) == [ticket.description, "Kim answered first.", "Thanks, and one more thing."]
    again = _markers(page, "reply")
    assert again != seen
    sent = client.post(f"/console/tickets/{ticket.number}/reply", data={"body": "My long answer", **again})
    assert sent.status_code == 302
    assert _messages(ticket)[-1] == "My long answer"


def test_a_note_in_between_keeps_the_note_draft_in_the_note_box(make, console, client, ticket):
    sam = make.staff("support", name="Sam Support")
    console.login(sam.email, PASSWORD)
    seen = _markers(client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), "reply")
    correspondence.staff_reply(ticket, staff_actor(make.staff("support", name="Kim Colleague")), "FYI", internal=True)
    response = client.post(f"/console/tickets/{ticket.number}/reply",
                           data={"body": "My note", "internal": "1", **seen})
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Kim Colleague added an internal note." in page
    note_box = page[page.index('id="note-body"'):]
    assert note_box[:note_box.index("</textarea>")].endswith(">My note")
    assert 'data-mode="note"' in page


def test_a_state_change_in_between_stops_the_change_form(make, console, client, ticket):
    sam = make.staff("support", name="Sam Support")
    kim = make.staff("support", name="Kim Colleague")
    console.login(sam.email, PASSWORD)
    seen = _markers(client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), "update")
    staff_actions.update_ticket(ticket, staff_actor(kim), {"status": "waiting", "priority": "high"})
    response = client.post(f"/console/tickets/{ticket.number}/update",
                           data={"status": "resolved", "priority": "low", "assignee_id": "", **seen})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Kim Colleague changed the state from New to Waiting for customer." in page
    assert "Kim Colleague changed the priority from Normal to High." in page
    assert '<option value="resolved" selected>' in page and '<option value="low" selected>' in page  # kept
    db.session.expire_all()
    assert (db.session.get(Ticket, ticket.id).status, db.session.get(Ticket, ticket.id).priority) == ("waiting", "high")
    again = _markers(page, "update")
    assert client.post(f"/console/tickets/{ticket.number}/update",
                       data={"status": "resolved", **again}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "resolved"


def test_the_service_decides_and_an_unchanged_ticket_passes(make, ticket):
    sam = staff_actor(make.staff("support", name="Sam Support"))
    seen = seen_now(ticket)
    assert not changes_since(ticket, seen)
    correspondence.staff_reply(ticket, sam, "First.", seen=seen)  # nothing changed since: accepted
    with pytest.raises(ChangedMeanwhile) as refused:
        correspondence.staff_reply(ticket, sam, "Second, from the same old page.", seen=seen)
    assert "Sam Support replied to the customer." in refused.value.changes.sentences
    assert [m.body for m in refused.value.changes.new_messages] == ["First."]
    assert Seen.from_form({"seen_message": "x", "seen_event": "1"}) is None
    db.session.rollback()
    assert _messages(ticket)[-1] == "First."


def test_two_engineers_racing_get_one_reply_in(postgres_only, app, make, ticket):
    engineers = [staff_actor(make.staff("support", name=f"Engineer {n}")) for n in range(2)]
    seen = seen_now(ticket)
    ticket_id = ticket.id
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes, lock = [], threading.Lock()
    pending = list(engineers)

    def reply():
        with app.app_context():
            with lock:
                actor = pending.pop()
            mine = db.session.get(Ticket, ticket_id)
            barrier.wait()
            try:
                correspondence.staff_reply(mine, actor, f"Answer of {actor.label}", seen=seen)
                outcome = "sent"
            except ChangedMeanwhile:
                db.session.rollback()
                outcome = "changed"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    run_together(reply, 2)
    assert sorted(outcomes) == ["changed", "sent"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket_id,
                                                        TicketMessage.author_kind == "staff")) == 1


def test_a_page_drawn_again_for_the_same_draft_keeps_the_first_pages_markers(make, console, client, ticket):
    from backoffice.models import CannedResponse

    sam = make.staff("support", name="Sam Support")
    console.login(sam.email, PASSWORD)
    db.session.add(CannedResponse(title="Thanks", body="Thank you."))
    db.session.commit()
    canned_id = db.session.scalar(select(CannedResponse.id))
    seen = _markers(client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), "reply")
    correspondence.staff_reply(ticket, staff_actor(make.staff("support", name="Kim Colleague")), "Kim's answer.")
    inserted = client.post(f"/console/tickets/{ticket.number}/canned",
                           data={"mode": "reply", "body": "Mine.", "canned": str(canned_id), **seen})
    assert _markers(inserted.get_data(as_text=True), "reply") == seen  # the insert is no acknowledgement
    response = client.post(f"/console/tickets/{ticket.number}/reply", data={"body": "Mine.\n\nThank you.", **seen})
    assert response.status_code == 409 and "Kim Colleague replied to the customer." in response.get_data(as_text=True)
