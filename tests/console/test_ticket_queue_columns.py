"""What a queue row shows and the queue's two dashboard filters: the customer by name with a link, due times
relative to now in the engineer's zone, age and waiting since, priority badges, numbers that never wrap, the
unread mark (per engineer, again unread after the customer writes); due_within and replied."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.services.support import correspondence
from tests.console.queue_rows import insert_tickets, listed
from tests.factories import PASSWORD
from tests.support.helpers import customer_actor, make_ticket, staff_actor

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
UNREAD = "Unread: the customer wrote since you last opened it"


@pytest.fixture(autouse=True)
def frozen():
    set_now(NOW)
    yield
    set_now(None)


def row_of(page: str, number: str) -> str:
    match = re.search(r"<tr data-queue-row[^>]*>(?:(?!</tr>).)*" + re.escape(number) + r"(?:(?!</tr>).)*</tr>",
                      page, re.S)
    assert match, number
    return match.group(0)


def test_a_row_shows_names_relative_times_badges_and_no_wrapping(make, console, client):
    engineer = make.staff("support", time_zone="Europe/Berlin")
    console.login(engineer.email, PASSWORD)
    customer = make.customer(name="Ada Lovelace")
    late, = insert_tickets(customer, [{"priority": "urgent", "status": "open", "created_at": NOW - timedelta(hours=5),
                                       "first_response_due_at": NOW - timedelta(hours=3),
                                       "resolution_due_at": NOW + timedelta(hours=2),
                                       "unanswered_since": NOW - timedelta(hours=5)}])
    answered, = insert_tickets(customer, [{"priority": "low", "first_response_at": NOW - timedelta(hours=1)}])
    page = client.get("/console/tickets/").get_data(as_text=True)
    row = row_of(page, late.number)
    assert f'href="/console/customers/details/?id={customer.id}"' in row and "Ada Lovelace" in row
    assert "3 h overdue" in row and "in 2 h" in row
    assert 'title="2026-12-01 10:00 CET"' in row  # the absolute time on hover, in the engineer's zone
    assert '<span class="badge badge-danger">Urgent</span>' in row
    assert re.search(r'<td class="text-nowrap"><a data-open href="[^"]+">' + late.number, row)
    assert row.count(">5 h</time>") == 2  # age and waiting since
    other = row_of(page, answered.number)
    assert "Answered" in other and '<span class="badge badge-light">Low</span>' in other
    assert "urgent" not in page.split("<tbody>")[1].split("</tbody>")[0].replace('value="urgent"', "")


def test_unread_per_engineer_and_again_after_the_customer_writes(app, make, console, client, sign_in_customer):
    grace, alan = make.staff("support"), make.staff("support")
    customer = make.customer()
    ticket = make_ticket(customer)
    console.login(grace.email, PASSWORD)
    other = app.test_client()
    other.post("/console/login", data={"email": alan.email, "password": PASSWORD})
    assert UNREAD in row_of(client.get("/console/tickets/").get_data(as_text=True), ticket.number)

    set_now(NOW + timedelta(minutes=5))
    assert client.get(f"/console/tickets/{ticket.number}").status_code == 200  # Grace opens it
    assert UNREAD not in row_of(client.get("/console/tickets/").get_data(as_text=True), ticket.number)
    assert UNREAD in row_of(other.get("/console/tickets/").get_data(as_text=True), ticket.number)

    set_now(NOW + timedelta(minutes=10))
    web = sign_in_customer(app.test_client(), customer)
    assert web.post(f"/support/requests/{ticket.number}/reply", data={"body": "Any news?"}).status_code == 302
    assert UNREAD in row_of(client.get("/console/tickets/").get_data(as_text=True), ticket.number)


def test_the_unread_marks_of_a_page_cost_one_statement(make, console, client):
    console.login(make.staff("support").email, PASSWORD)
    insert_tickets(make.customer(), [{}] * 20)
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        client.get("/console/tickets/")
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert sum("FROM ticket_reads" in s for s in statements) == 1


def test_due_within_lists_running_tickets_due_soon_or_overdue(make, console, client):
    console.login(make.staff("support").email, PASSWORD)
    hours = timedelta(hours=1)
    soon_answer, soon_resolution, overdue, later, answered_soon, waiting_soon = insert_tickets(make.customer(), [
        {"status": "new", "first_response_due_at": NOW + 3 * hours},
        {"status": "open", "first_response_at": NOW - hours, "resolution_due_at": NOW + 4 * hours},
        {"status": "open", "resolution_due_at": NOW - 2 * hours},
        {"status": "new", "first_response_due_at": NOW + 5 * hours, "resolution_due_at": NOW + 50 * hours},
        {"status": "open", "first_response_at": NOW - hours, "first_response_due_at": NOW + hours},
        {"status": "waiting", "waiting_since": NOW, "first_response_due_at": NOW + hours},
    ])
    page = client.get("/console/tickets/?due_within=4").get_data(as_text=True)
    assert set(listed(page)) == {soon_answer.number, soon_resolution.number, overdue.number}
    assert 'value="4" selected' in page
    assert client.get("/console/tickets/?due_within=0").status_code == 200  # out of range: no filter
    assert len(listed(client.get("/console/tickets/?due_within=0").get_data(as_text=True))) == 6


def test_replied_lists_active_tickets_where_the_customer_wrote_after_a_first_response(make, console, client):
    engineer = make.staff("support")
    console.login(engineer.email, PASSWORD)
    customer = make.customer()
    untouched = make_ticket(customer)  # never answered: not "replied", it is new
    answered = make_ticket(customer)
    correspondence.staff_reply(answered, staff_actor(engineer), "Five seats cost 60 EUR a year.")
    replied = make_ticket(customer)
    correspondence.staff_reply(replied, staff_actor(engineer), "Which product?")
    correspondence.customer_reply(replied, customer_actor(customer), "Internet Security, sorry.")
    closed, = insert_tickets(customer, [{"status": "closed", "closed_at": NOW, "resolved_at": NOW,
                                         "first_response_at": NOW, "unanswered_since": NOW}])
    page = client.get("/console/tickets/?replied=1").get_data(as_text=True)
    assert listed(page) == [replied.number]
    assert 'id="f-replied" name="replied" value="1" checked' in page
    assert untouched.number in client.get("/console/tickets/").get_data(as_text=True)
    assert closed.number not in client.get("/console/tickets/?replied=1&status=any").get_data(as_text=True)
