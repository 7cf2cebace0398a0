"""The code on the ticket, in the console over HTTP: the sidebar shows every code of the customer as it really
is (a blacklisted code with its reason, never as active), the queue's code column and its "code problem" filter,
a page of the queue in a fixed number of statements, and the portal's codes page saying the same as the console."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.services.licensing.states import standing
from tests.factories import PASSWORD
from tests.licensing_helpers import make_product
from tests.support.code_helpers import blacklist, held_code, ticket_about, use_up_transfers


@pytest.fixture
def signed_in(make, console):
    assert console.login(make.staff("support").email, PASSWORD).status_code == 302


@pytest.fixture
def customer(make):
    return make.customer(email="holder@example.com", name="Grace Hopper")


def sidebar_entry(page: str, code: str) -> str:
    match = re.search(r'<li class="code-standing[^"]*"[^>]*data-code="' + code + r'">(.*?)</li>', page, re.S)
    assert match, f"{code} is not in the sidebar"
    return match.group(0)


def queue_cell(page: str, number: str) -> str:
    row = page.split(f">{number}</a>", 1)[1].split("</tr>", 1)[0]
    return re.search(r'<td class="code-standing">(.*?)</td>', row, re.S).group(1)


def test_the_sidebar_shows_a_blacklisted_code_as_blacklisted_with_its_reason(signed_in, client, customer):
    product = make_product("Total Security")
    about, other = held_code(customer, product), held_code(customer, product, seats=3, taken=2)
    ticket = ticket_about(customer, about)
    blacklist(about, "chargeback", "Bank reversed the payment")
    page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    entry = sidebar_entry(page, about.code)
    assert "state-blacklisted" in entry and ">Blacklisted<" in entry and "badge-danger" in entry
    assert "Reason: Chargeback: Bank reversed the payment" in entry and "UTC" in entry
    assert "This ticket's code" in entry and "Valid<" not in entry
    assert f'href="/console/codes/details/?id={about.id}"' in entry
    assert "Active codes" not in page  # no heading that calls every code active
    second = sidebar_entry(page, other.code)
    assert ">Valid<" in second and "Seats: 2 of 3 used" in second and "This ticket" not in second
    assert "Transfers in the last 30 days: 0 of 3" in second
    assert page.index(about.code) < page.index(other.code)  # the ticket's own code first
    code_page = client.get(f"/console/codes/details/?id={about.id}").get_data(as_text=True)  # the link's target
    assert 'id="code-state">Blacklisted<' in code_page and "Reason: Chargeback: Bank reversed the payment" in code_page


def test_the_ticket_code_stays_in_the_sidebar_after_the_customer_removes_it(signed_in, client, customer):
    from backoffice.security import Actor
    from backoffice.services.licensing.codes import customer_codes, remove_code

    code = held_code(customer, make_product())
    ticket = ticket_about(customer, code)
    held = customer_codes(customer.id)[0]
    assert remove_code(customer, held.registration_id, Actor("customer", customer.id, customer.email))
    entry = sidebar_entry(client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), code.code)
    assert "No longer on the account" in entry and "This ticket's code" in entry


def test_the_queue_column_and_filter_show_each_code_problem(signed_in, client, make, customer):
    product = make_product("Anti-Virus")
    others = [make.customer(email=f"before{n}@example.com") for n in range(3)]
    codes = {name: held_code(customer, product, seats=4) for name in ("valid", "listed", "expired", "capped")}
    codes["full"] = held_code(customer, product, seats=2, taken=2)
    tickets = {name: ticket_about(customer, code, subject=f"About the {name} code") for name, code in codes.items()}
    no_code = ticket_about(customer, None, type_code="presale", subject="A question without a code")
    blacklist(codes["listed"], "leaked", None)
    codes["expired"].expires_at = utcnow() - timedelta(minutes=1)  # it ran out after the ticket was sent
    db.session.commit()
    use_up_transfers(codes["capped"], others)

    page = client.get("/console/tickets/").get_data(as_text=True)
    listed_cell = queue_cell(page, tickets["listed"].number)
    assert codes["listed"].code in listed_cell and ">Blacklisted<" in listed_cell
    assert "Leaked (published)" in listed_cell and "badge-danger" in listed_cell
    assert ">Valid<" in queue_cell(page, tickets["valid"].number)
    assert ">Expired<" in queue_cell(page, tickets["expired"].number)
    assert "No free seat" in queue_cell(page, tickets["full"].number)
    assert "Transfer cap reached" in queue_cell(page, tickets["capped"].number)
    assert queue_cell(page, no_code.number).strip() == "—"
    assert '<label for="f-code-problem">Code problem</label>' in page and "no_free_seat<" not in page

    expected = {"blacklisted": "listed", "expired": "expired", "no_free_seat": "full",
                "transfer_cap_reached": "capped"}
    for problem, name in expected.items():
        filtered = client.get(f"/console/tickets/?code_problem={problem}").get_data(as_text=True)
        shown = {n for n, t in tickets.items() if f">{t.number}</a>" in filtered}
        assert shown == {name}, (problem, shown)
        assert no_code.number not in filtered
    any_problem = client.get("/console/tickets/?code_problem=any").get_data(as_text=True)
    assert {n for n, t in tickets.items() if f">{t.number}</a>" in any_problem} == set(expected.values())
    unknown = client.get("/console/tickets/?code_problem=nonsense")
    assert unknown.status_code == 200 and tickets["valid"].number in unknown.get_data(as_text=True)


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def remember(_conn, _cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    yield seen
    event.remove(db.engine, "before_cursor_execute", remember)


def test_a_queue_page_costs_the_same_statements_for_3_or_30_tickets_with_codes(signed_in, client, make, statements):
    def page_statements(tickets: int) -> list[int]:
        for n in range(tickets):
            owner = make.customer(email=f"c{tickets}-{n}@example.com")
            code = held_code(owner, make_product(), seats=1, taken=1)  # full: the code-problem filter keeps it
            ticket_about(owner, code, subject=f"Key problem number {n}")
        client.get("/console/tickets/")  # warm: reference data and the session row
        counts = []
        for url in ("/console/tickets/", "/console/tickets/?code_problem=any&status=any"):
            statements.clear()
            page = client.get(url).get_data(as_text=True)
            assert page.count('<td class="code-standing"><span') == tickets_made[0] + tickets
            counts.append(len(statements))
        tickets_made[0] += tickets
        return counts

    tickets_made = [0]
    few = page_statements(3)
    many = page_statements(27)  # 30 tickets on the page now, each with its own code and customer
    assert many == few


def test_a_full_page_of_a_code_problem_is_counted_without_walking_the_queue(signed_in, client, make, app):
    from backoffice.services.support.queues import PAGE_SIZE

    for n in range(PAGE_SIZE + 1):
        owner = make.customer(email=f"full{n}@example.com")
        ticket_about(owner, held_code(owner, make_product(), seats=1, taken=1), subject=f"Seat problem {n}")
    full = client.get("/console/tickets/?code_problem=no_free_seat").get_data(as_text=True)
    assert 'id="list-count">more than 50 matching<' in full and full.count('<td class="code-standing"><span') == 50
    few = client.get("/console/tickets/?code_problem=blacklisted").get_data(as_text=True)
    assert re.search(r'id="list-count">0 matching<', few)  # a page that is not full is its own exact count


def test_the_portal_codes_page_and_the_console_sidebar_agree(app, signed_in, client, customer, sign_in_customer):
    product = make_product("Mobile Security")
    codes = [held_code(customer, product), held_code(customer, product, expires_in_days=7),
             held_code(customer, product, starts_in_days=3), held_code(customer, product, seats=1, taken=1)]
    ticket = ticket_about(customer, codes[0])
    listed, expired = held_code(customer, product), held_code(customer, product)
    blacklist(listed, "refunded", None)
    expired.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    set_now(utcnow() + timedelta(days=2))
    codes += [listed, expired]

    console_page = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    portal = sign_in_customer(app.test_client(), customer).get("/codes/").get_data(as_text=True)
    for code in codes:
        truth = standing(code.id)
        entry = sidebar_entry(console_page, code.code)
        row = portal.split(code.code, 1)[1].split("</tr>", 1)[0]
        portal_row_class = portal.split(code.code, 1)[0].rsplit("<tr", 1)[1]
        assert f"state-{truth.state}" in entry and f"state-{truth.state}" in portal_row_class
        assert f">{truth.state_label}<" in entry and f">{truth.state_label}<" in row
        seats = f"{truth.seats_used} of {truth.seats_total}"
        assert seats in entry and seats in row
        assert ("Expires" in entry and "soon" in row) if truth.expiring_soon else "Expires soon" not in row
    assert {standing(c.id).state.value for c in codes} == {"valid", "not_yet_valid", "blacklisted", "expired"}
