"""Support queues in the console: roles on every view, the queues and their filters and search, the ticket
page's reply/note/change/claim/merge, bulk actions, canned responses, ratings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.models import AuditEvent, CannedResponse, Ticket, TicketMessage
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket, product_with_code

ROLES = ["admin", "support", "analyst"]
SUPPORT_READERS = {"admin", "support"}


@pytest.fixture
def ticket(make):
    return make_ticket(make.customer(email="alice@example.com"), subject="Licence renewal price",
                       description="How much does renewing the licence for three computers cost?")


def views(ticket) -> dict[str, set[str]]:
    return {
        "/console/tickets/": SUPPORT_READERS,
        "/console/tickets/?view=mine": SUPPORT_READERS,
        "/console/tickets/?view=unassigned": SUPPORT_READERS,
        "/console/tickets/?queue=presale&status=any": SUPPORT_READERS,
        f"/console/tickets/{ticket.number}": SUPPORT_READERS,
        "/console/tickets/ratings": SUPPORT_READERS,
        "/console/canned/": SUPPORT_READERS,
        "/console/canned/new/": {"admin"},
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_role_on_each_view(make, console, client, ticket, role):
    console.login(make.staff(role).email, PASSWORD)
    for url, readers in views(ticket).items():
        response = client.get(url)
        if role in readers:
            expected = 200
        else:  # Flask-Admin sends a reader without create rights back to the list
            expected = 302 if url.endswith("/new/") and role in SUPPORT_READERS else 403
        assert response.status_code == expected, (url, role, response.status_code)


def test_customers_and_anonymous_never_open_the_queues(app, make, sign_in_customer, ticket):
    customer_client = sign_in_customer(app.test_client(), ticket.customer)
    for client in (app.test_client(), customer_client):
        for url in views(ticket):
            response = client.get(url)
            assert response.status_code == 302 and "/console/login" in response.location


@pytest.mark.parametrize("role", ["analyst"])
def test_writes_are_refused_without_the_role(make, console, client, ticket, role):
    console.login(make.staff(role).email, PASSWORD)
    for path in ("reply", "update", "claim", "merge"):
        assert client.post(f"/console/tickets/{ticket.number}/{path}", data={"body": "x"}).status_code == 403
    assert client.post("/console/tickets/bulk", data={"ticket_id": ticket.id, "bulk_status": "open"}).status_code == 403
    db.session.refresh(ticket)
    assert ticket.status == "new" and ticket.assignee_id is None


def test_queue_counts_filters_and_search(make, console, client, backend):
    set_now(datetime(2026, 5, 1, tzinfo=UTC))
    engineer = make.staff("support", name="Grace Hopper")
    console.login(engineer.email, PASSWORD)
    customer = make.customer(email="bob@example.com")
    product = product_with_code(customer, "Internet Security")
    mine = make_ticket(customer, "general", product, subject="Scanner crashes on start",
                       description="The scanner crashes at start with error 1923.")
    make_ticket(make.customer(), subject="Price of five licences", description="What do five licences cost?")
    client.post(f"/console/tickets/{mine.number}/claim")
    page = client.get("/console/tickets/").get_data(as_text=True)
    assert "General question" in page and "Pre-sale question" in page
    assert client.get("/console/tickets/?view=mine").get_data(as_text=True).count('name="ticket_id"') == 1
    assert client.get("/console/tickets/?view=unassigned").get_data(as_text=True).count('name="ticket_id"') == 1
    assert client.get("/console/tickets/?queue=presale").get_data(as_text=True).count('name="ticket_id"') == 1
    assert client.get(f"/console/tickets/?product={product.id}").get_data(as_text=True).count(mine.number) >= 1
    assert client.get(f"/console/tickets/?assignee={engineer.id}").get_data(as_text=True).count(
        'name="ticket_id"') == 1
    assert client.get("/console/tickets/?priority=urgent").get_data(as_text=True).count('name="ticket_id"') == 0
    assert client.get("/console/tickets/?status=closed").get_data(as_text=True).count('name="ticket_id"') == 0
    for term in (mine.number, "bob@example.com", "crashes", "bob@exam"):
        found = client.get("/console/tickets/", query_string={"q": term}).get_data(as_text=True)
        assert found.count('name="ticket_id"') == 1 and mine.number in found, term
    short = client.get("/console/tickets/?q=ab").get_data(as_text=True)
    assert "at least 3 characters" in short
    set_now(datetime(2026, 5, 10, tzinfo=UTC))  # past the 72 h resolution target of a normal ticket
    overdue = client.get("/console/tickets/?overdue=1").get_data(as_text=True)
    assert overdue.count('name="ticket_id"') == 2 and "Overdue" in overdue and "table-danger" in overdue
    assert client.get("/console/tickets/?age=7").get_data(as_text=True).count('name="ticket_id"') == 2
    assert client.get("/console/tickets/?age=30").get_data(as_text=True).count('name="ticket_id"') == 0
    assert client.get("/console/tickets/?status=bogus&queue=nope&age=x").status_code == 200


def test_ticket_page_reply_note_change_and_history(smtp, app, make, console, client, ticket):
    from backoffice.mail import deliver_due

    staff = make.staff("support")
    other = make.staff("support", name="Other Engineer")
    console.login(staff.email, PASSWORD)
    db.session.add(CannedResponse(title="Price list", body="Our prices are on the shop page."))
    db.session.commit()
    canned = db.session.scalar(select(CannedResponse))
    inserted = client.post(f"/console/tickets/{ticket.number}/canned",
                           data={"mode": "reply", "body": "Hello,", "canned": str(canned.id)})
    assert "Hello,\n\nOur prices are on the shop page.</textarea>" in inserted.get_data(as_text=True)
    client.post(f"/console/tickets/{ticket.number}/reply", data={"body": "Only staff: VIP", "internal": "1"})
    client.post(f"/console/tickets/{ticket.number}/reply", data={"body": "Our prices are on the shop page.",
                                                                 "then_status": "waiting"})
    deliver_due()
    bodies = [smtp.text_of(m) for m in smtp.messages]
    assert any("Our prices are on the shop page." in b for b in bodies)
    assert not any("VIP" in b for b in bodies)
    db.session.refresh(ticket)
    assert ticket.status == "waiting" and ticket.first_response_at is not None and ticket.assignee_id == staff.id
    response = client.post(f"/console/tickets/{ticket.number}/update", data={
        "request_type_id": "1", "priority": "high", "status": "resolved", "assignee_id": str(other.id)})
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert (ticket.request_type.code, ticket.priority, ticket.status, ticket.assignee_id) == (
        "general", "high", "resolved", other.id)
    refused = client.post(f"/console/tickets/{ticket.number}/update", data={"status": "waiting"},
                          follow_redirects=True)
    assert "cannot become waiting for customer" in refused.get_data(as_text=True)
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "Internal note" in page and "moved the ticket from the Pre-sale question queue" in page
    assert "changed the priority from Normal to High" in page
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "tickets")))
    assert {"ticket.type_changed", "ticket.priority_changed", "ticket.status_changed", "ticket.assigned",
            "ticket.note_added", "ticket.staff_replied"} <= actions


def test_bulk_form_and_merge_form(make, console, client):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    customer = make.customer()
    a, b, c = (make_ticket(customer, subject=f"Duplicate number {n}") for n in range(3))
    response = client.post("/console/tickets/bulk", data={"ticket_id": [a.id, b.id], "bulk_priority": "urgent",
                                                          "bulk_assignee": str(staff.id)}, follow_redirects=True)
    assert "Changed 2 tickets:" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).priority for t in (a, b, c)] == ["urgent", "urgent", "normal"]
    nothing = client.post("/console/tickets/bulk", data={"bulk_status": "open"}, follow_redirects=True)
    assert "Select at least one ticket." in nothing.get_data(as_text=True)
    confirm = client.post(f"/console/tickets/{c.number}/merge", data={"target": a.number})
    assert confirm.status_code == 200 and f"Merge {c.number} into {a.number}" in confirm.get_data(as_text=True)
    merged = client.post(f"/console/tickets/{c.number}/merge", data={"target": a.number, "confirmed": "1"})
    assert merged.location.endswith(f"/console/tickets/{a.number}")
    assert db.session.scalar(select(TicketMessage.ticket_id).where(TicketMessage.body == c.description)) == a.id


def test_admins_maintain_canned_responses_and_support_reads_them(make, console, client):
    console.login(make.staff("admin").email, PASSWORD)
    client.post("/console/canned/new/", data={"title": "Reinstall", "body": "Please reinstall the product."})
    assert db.session.scalar(select(CannedResponse.title)) == "Reinstall"
    console.logout()
    console.login(make.staff("support").email, PASSWORD)
    assert "Reinstall" in client.get("/console/canned/").get_data(as_text=True)
    response = client.post("/console/canned/new/", data={"title": "Sneaky", "body": "x"})
    assert response.status_code in (302, 403)
    assert db.session.scalar(select(CannedResponse).where(CannedResponse.title == "Sneaky")) is None


def test_ratings_page_per_engineer_and_queue(make, console, client, ticket):
    from backoffice.services.support import ratings, staff_actions
    from tests.support.helpers import customer_actor, staff_actor

    engineer = make.staff("support", name="Rated Engineer")
    staff_actions.claim(ticket, staff_actor(engineer))
    staff_actions.update_ticket(ticket, staff_actor(engineer), {"status": "resolved"})
    ratings.rate(ticket, "good", "quick", customer_actor(ticket.customer))
    console.login(engineer.email, PASSWORD)
    page = client.get("/console/tickets/ratings").get_data(as_text=True)
    assert engineer.email in page and "Pre-sale question" in page and "100%" in page
    assert "quick" in client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    set_now(datetime.now(UTC) + timedelta(days=1))


def test_text_search_widens_its_window_to_older_tickets(app, make, console, client):
    app.config["SEARCH_WINDOW_IDS"] = 1
    console.login(make.staff("support").email, PASSWORD)
    old = make_ticket(make.customer(), subject="Firewall blocks the printer",
                      description="The firewall blocks the network printer since the update.")
    for n in range(4):
        make_ticket(make.customer(), subject=f"Unrelated question {n}", description="Nothing to see here at all.")
    page = client.get("/console/tickets/", query_string={"q": "printer", "status": "any"}).get_data(as_text=True)
    assert page.count('name="ticket_id"') == 1 and old.number in page
    assert "1 matching" in page
