"""Merging asks first: a confirm page shows the target (number, subject, customer, state) and says the customer
will be told by e-mail; tickets of two customers merge only with the extra box that names both. No JavaScript."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import Ticket, TicketMessage
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket


def _merged_into(ticket) -> int | None:
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id).merged_into_id


def test_the_confirm_page_shows_the_target_before_anything_merges(smtp, make, console, client):
    console.login(make.staff("support").email, PASSWORD)
    customer = make.customer(email="ada@example.com", name="Ada Lovelace")
    keep, duplicate = make_ticket(customer, subject="Scanner stops"), make_ticket(customer, subject="Same again")
    deliver_due()
    before = len(smtp.messages)
    confirm = client.post(f"/console/tickets/{duplicate.number}/merge", data={"target": f" {keep.number} "})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and _merged_into(duplicate) is None
    assert f"<title>Merge {duplicate.number} into {keep.number}?" in page
    target = page[page.index("Merged into"):]
    for shown in (keep.number, "Scanner stops", "Ada Lovelace", "New"):
        assert shown in target
    assert "Ada Lovelace will be told by e-mail" in page
    assert 'name="other_customer"' not in page  # one customer: no extra box
    merged = client.post(f"/console/tickets/{duplicate.number}/merge", data={"target": keep.number, "confirmed": "1"},
                         follow_redirects=True)
    assert "was merged into" in merged.get_data(as_text=True) and _merged_into(duplicate) == keep.id
    assert "merged " + duplicate.number + " into this ticket." in merged.get_data(as_text=True)
    deliver_due()
    assert [m["Subject"] for m in smtp.messages[before:]] == [f"Request {duplicate.number} joined with {keep.number}"]


def test_an_unknown_target_comes_back_beside_the_field(make, console, client):
    console.login(make.staff("support").email, PASSWORD)
    ticket = make_ticket(make.customer())
    response = client.post(f"/console/tickets/{ticket.number}/merge", data={"target": "TS-1999-000001"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "No ticket has that number." in page
    assert 'aria-describedby="target-error"' in page and 'value="TS-1999-000001"' in page


def test_two_customers_need_the_extra_box_naming_both(make, console, client):
    console.login(make.staff("support").email, PASSWORD)
    ada = make.customer(email="ada@example.com", name="Ada Lovelace")
    bob = make.customer(email="bob@example.com", name="Bob Byte")
    target, source = make_ticket(ada, subject="Ada's"), make_ticket(bob, subject="Bob's")
    confirm = client.post(f"/console/tickets/{source.number}/merge", data={"target": target.number})
    page = confirm.get_data(as_text=True)
    assert "two different customers" in page
    assert ('<label class="form-check-label" for="other_customer">Yes, merge Bob Byte’s ticket into '
            "Ada Lovelace’s ticket</label>") in page
    assert 'id="other_customer" name="other_customer" value="1" required' in page
    refused = client.post(f"/console/tickets/{source.number}/merge", data={"target": target.number, "confirmed": "1"})
    assert refused.status_code == 422 and 'aria-describedby="other_customer-error"' in refused.get_data(as_text=True)
    assert _merged_into(source) is None
    done = client.post(f"/console/tickets/{source.number}/merge",
                       data={"target": target.number, "confirmed": "1", "other_customer": "1"})
    assert done.status_code == 302 and _merged_into(source) == target.id
    moved = db.session.scalar(select(TicketMessage.ticket_id).where(TicketMessage.body == source.description))
    assert moved == target.id
