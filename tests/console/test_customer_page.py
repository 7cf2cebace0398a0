"""The console's customer page: every section with links, bounded lists with "all" links to the filtered console
lists, a constant number of SQL statements however many tickets, internal notes (added, refused, audited), and
what each role sees."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, CustomerNote
from backoffice.services import customer_notes
from tests.console.customer_rows import hold, lab_request, tickets
from tests.factories import PASSWORD
from tests.statements import recorded
from tests.support.helpers import staff_actor


def signed_in(make, console, role: str):
    staff = make.staff(role)
    assert console.login(staff.email, PASSWORD).status_code == 302
    return staff


def page_of(client, customer) -> str:
    response = client.get(f"/console/customers/details/?id={customer.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(page: str, section_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{section_id}">(.*?)</section>', page, re.S)
    assert found, f"no section {section_id}"
    return found.group(1)


def rows(page: str, table_id: str) -> list[str]:
    table = re.search(rf'<table[^>]*id="{table_id}">(.*?)</table>', page, re.S)
    return re.findall(r"<tr>(.*?)</tr>", table.group(1).split("<tbody>")[1], re.S) if table else []


def test_the_page_shows_each_section_with_links(make, console, client, app):
    support = signed_in(make, console, "support")
    customer = make.customer(email="ines.costa@example.pt", name="Ines Costa", country="PT", city="Porto")
    valid, listed = hold(customer), hold(customer, blacklisted=True)
    expired = hold(customer, starts_in_days=-400, expires_in_days=-5)
    [number] = tickets(customer, 1, subject="Cannot update")
    request = lab_request(customer)
    customer_notes.add_note(customer, "Called on Monday; prefers e-mail.", staff_actor(support))
    portal = app.test_client()
    portal.post("/login", data={"email": customer.email, "password": PASSWORD})  # a security event

    page = page_of(client, customer)
    profile = section(page, "profile")
    assert "ines.costa@example.pt" in profile and "Ines Costa" in profile and "Porto" in profile
    assert ">Active<" in profile

    codes = {re.search(r">([A-Z0-9-]{23})<", row).group(1): row for row in rows(page, "codes-table")}
    assert set(codes) == {valid.code, listed.code, expired.code}
    assert ">Valid<" in codes[valid.code] and ">Blacklisted<" in codes[listed.code]
    assert ">Expired<" in codes[expired.code]
    assert f'href="/console/codes/details/?id={listed.id}"' in codes[listed.code]
    assert "1 of 2" in codes[valid.code]  # seats taken of seats

    [ticket_row] = rows(page, "tickets-table")
    assert f'href="/console/tickets/{number}"' in ticket_row and ">New<" in ticket_row
    [lab_row] = rows(page, "lab-table")
    assert f'href="/console/viruslab/details/?id={request.id}"' in lab_row and request.number in lab_row
    assert ">Received<" in lab_row or "Waiting" in lab_row or "Analys" in lab_row  # a state in words
    events = section(page, "security-events")
    assert "Signed in" in events and "customer.login" not in events
    notes = section(page, "notes")
    assert "Called on Monday; prefers e-mail." in notes and support.email in notes
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", notes)
    # nothing shown in machine words
    for raw in ("not_yet_valid", ">blacklisted<", ">new<", "unknown_malware", ">received<"):
        assert raw not in page, raw


def test_every_list_is_the_newest_20_with_a_link_to_all_of_them(make, console, client):
    signed_in(make, console, "admin")
    customer, other = make.customer(), make.customer()
    numbers = tickets(customer, 25)
    tickets(other, 3)
    held = [hold(customer) for _ in range(22)]
    for _ in range(21):
        lab_request(customer)
    page = page_of(client, customer)

    shown = [re.search(r'href="/console/tickets/([^"]+)"', row).group(1) for row in rows(page, "tickets-table")]
    assert shown == numbers[::-1][:20]  # newest first
    assert len(rows(page, "codes-table")) == 20 and len(rows(page, "lab-table")) == 20

    link = re.search(r'id="all-tickets" href="([^"]+)">All 25 support requests', page)
    assert link, "no link to all the tickets"
    queue = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "25 matching" in queue and customer.email in queue and other.email not in queue

    link = re.search(r'id="all-codes" href="([^"]+)">All 22 codes', page)
    assert link, "no link to all the codes"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "22 matching" in listed and all(code.code in listed for code in held)

    link = re.search(r'id="all-lab_requests" href="([^"]+)">All 21 Virus Lab requests', page)
    assert link, "no link to all the lab requests"
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "21 matching" in listed


def test_the_queue_filtered_by_customer_keeps_the_filter_when_refined(make, console, client):
    signed_in(make, console, "support")
    customer, other = make.customer(), make.customer()
    mine, theirs = tickets(customer, 2), tickets(other, 2)
    page = client.get("/console/tickets/", query_string={"customer": customer.id, "status": "any"}).text
    assert all(n in page for n in mine) and not any(n in page for n in theirs)
    assert f'name="customer" value="{customer.id}"' in page  # the filter form keeps it
    assert "Only the tickets of" in page and customer.email in page
    junk = client.get("/console/tickets/", query_string={"customer": "99999999999999999999999"})
    assert junk.status_code == 200  # a number no id can be filters nothing, and is no 500


def count_statements(client, url: str) -> int:
    with recorded() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_the_page_runs_as_many_statements_for_300_tickets_as_for_1(make, console, client):
    support = signed_in(make, console, "support")
    few, many = make.customer(), make.customer()
    for customer, count in ((few, 1), (many, 300)):
        tickets(customer, count)
        hold(customer)
        lab_request(customer)
        customer_notes.add_note(customer, "A note.", staff_actor(support))
    urls = {c: f"/console/customers/details/?id={c.id}" for c in (few, many)}
    for url in urls.values():
        client.get(url)  # the first request of a session caches what later ones reuse (the staff row)

    one, three_hundred = count_statements(client, urls[few]), count_statements(client, urls[many])
    assert one == three_hundred == count_statements(client, urls[few])
    assert three_hundred <= 20, "a section costs one or two statements, not one a row"
    assert "All 300 support requests" in page_of(client, many)


def test_a_note_is_added_audited_and_shown_newest_first(make, console, client):
    support = signed_in(make, console, "support")
    customer = make.customer()
    for body in ("First call: licence for 3 PCs.", "Second call:\nwants an invoice."):
        response = client.post(f"/console/customers/{customer.id}/notes", data={"body": f"  {body}  "})
        assert response.status_code == 302 and response.location.endswith(f"?id={customer.id}#notes")
    notes = section(page_of(client, customer), "notes")
    assert notes.index("Second call:\nwants an invoice.") < notes.index("First call: licence for 3 PCs.")
    stored = db.session.scalars(select(CustomerNote).order_by(CustomerNote.id)).all()
    assert [n.body for n in stored] == ["First call: licence for 3 PCs.", "Second call:\nwants an invoice."]
    assert {n.author_staff_id for n in stored} == {support.id}
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "customer.note_added")).all()
    assert [(e.actor_id, e.object_type, e.object_id, e.after["customer_id"]) for e in audit] == [
        (support.id, "customer_notes", str(n.id), customer.id) for n in stored]


@pytest.mark.parametrize("body, message", [
    ("", "Write the note before adding it."),
    ("   \n\t ", "Write the note before adding it."),
    ("Pa\x00ssword hint", "This contains a NUL character"),
    ("x" * 10_001, "This is too long: at most 10,000 characters"),
])
def test_a_note_that_cannot_be_stored_is_refused_and_writes_nothing(make, console, client, body, message):
    signed_in(make, console, "support")
    customer = make.customer()
    response = client.post(f"/console/customers/{customer.id}/notes", data={"body": body})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(CustomerNote)).all() == []
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "customer.note_added")).all() == []


def test_the_notes_list_pages_through_every_note(make, console, client):
    support = signed_in(make, console, "support")
    customer, other = make.customer(), make.customer()
    for n in range(1, 56):
        customer_notes.add_note(customer, f"Note number {n}.", staff_actor(support))
    customer_notes.add_note(other, "Someone else's note.", staff_actor(support))
    page = page_of(client, customer)
    assert len(re.findall(r'class="border rounded p-2 mb-2 small customer-note"', section(page, "notes"))) == 20
    link = re.search(r'id="all-notes" href="([^"]+)">All 55 notes', page)
    seen = []
    url = link.group(1)
    while url:
        listed = client.get(url.replace("&amp;", "&")).get_data(as_text=True)
        seen += re.findall(r"Note number (\d+)\.", listed)
        assert "Someone else" not in listed
        older = re.search(r'href="([^"]+)">Older notes', listed)
        url = older.group(1) if older else None
    assert seen == [str(n) for n in range(55, 0, -1)]


def test_analysts_read_what_they_could_before_and_write_nothing(make, console, client):
    support = make.staff("support")
    signed_in(make, console, "analyst")
    customer = make.customer()
    tickets(customer, 1)
    hold(customer)
    lab_request(customer)
    customer_notes.add_note(customer, "Known to the lab.", staff_actor(support))
    page = page_of(client, customer)
    # the Virus Lab and the customer record were theirs to read; tickets and codes were not
    assert 'id="lab-requests"' in page and 'id="security-events"' in page and "Known to the lab." in page
    assert 'id="tickets"' not in page and 'id="codes"' not in page and "/console/tickets/" not in page
    assert 'id="note-form"' not in page and "Lock the account" not in page and "Edit the profile" not in page
    assert client.post(f"/console/customers/{customer.id}/notes", data={"body": "x"}).status_code == 403
    assert len(db.session.scalars(select(CustomerNote)).all()) == 1


@pytest.mark.parametrize("role, sees_audit_link", [("admin", True), ("support", False)])
def test_the_security_events_link_to_the_audit_log_for_those_who_may_read_it(make, console, client, role,
                                                                              sees_audit_link):
    signed_in(make, console, role)
    customer = make.customer()
    for _ in range(21):
        db.session.add(AuditEvent(actor_type="customer", actor_id=customer.id, action="customer.login",
                                  object_type="customers", object_id=str(customer.id)))
    db.session.commit()
    page = page_of(client, customer)
    link = re.search(r'id="all-events" href="([^"]+)"', page)
    assert bool(link) is sees_audit_link
    if link:
        log = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
        assert "21 matching" in log


def test_staff_who_are_not_signed_in_are_sent_to_the_login(make, client):
    customer = make.customer()
    response = client.get(f"/console/customers/details/?id={customer.id}")
    assert response.status_code == 302 and "/console/login" in response.location
    assert client.post(f"/console/customers/{customer.id}/notes", data={"body": "x"}).status_code == 302
    assert db.session.scalars(select(CustomerNote)).all() == []


def test_the_all_links_filters_take_an_address_in_any_case_and_find_nobody_for_an_unknown_one(make, console,
                                                                                              client):
    signed_in(make, console, "admin")
    customer = make.customer()
    code = hold(customer)
    request = lab_request(customer)
    hold(make.customer())
    codes = client.get("/console/codes/", query_string={"flt0_4": customer.email.upper()}).text
    assert code.code in codes and "1 matching" in codes
    assert "0 matching" in client.get("/console/codes/", query_string={"flt0_4": "nobody@example.com"}).text
    lab = client.get("/console/viruslab/", query_string={"flt0_7": f" {customer.email} "}).text
    assert request.number in lab and "1 matching" in lab


def test_staff_adding_notes_at_the_same_moment_each_get_exactly_one(postgres_only, app, make):
    """Ten staff sessions post a note about one customer at once: ten notes, ten audit events, none lost."""
    import threading

    from tests.conftest import ConsoleSession

    customer = make.customer()
    clients = []
    for _ in range(10):
        client = app.test_client()
        ConsoleSession(client).login(make.staff("support").email, PASSWORD)
        clients.append(client)
    start, statuses, url = threading.Barrier(len(clients)), [], f"/console/customers/{customer.id}/notes"

    def post(client, n):  # read nothing from the test's session here: the thread has no app context of its own
        start.wait()
        statuses.append(client.post(url, data={"body": f"Note {n}"}).status_code)

    threads = [threading.Thread(target=post, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.session.expire_all()
    assert statuses == [302] * 10
    notes = db.session.scalars(select(CustomerNote).where(CustomerNote.customer_id == customer.id)).all()
    assert sorted(n.body for n in notes) == sorted(f"Note {n}" for n in range(10))
    assert len({n.author_staff_id for n in notes}) == 10
    audited = db.session.scalars(select(AuditEvent.object_id).where(AuditEvent.action == "customer.note_added")).all()
    assert sorted(audited) == sorted(str(n.id) for n in notes)
