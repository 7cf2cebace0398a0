"""The console dashboard, one per role: the counts of that role's work, each bounded and linking to the list it
counts, in a fixed handful of statements whatever the tables hold."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import (
    CustomerStatus,
    Job,
    JobState,
    OutboxStatus,
    StaffQueue,
    SupportRequestType,
    Ticket,
)
from backoffice.services.viruslab import submissions
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket, product_with_code, staff_actor
from tests.viruslab_analysis import analysed, submit

COUNT = re.compile(r'<h2 class="card-header h6" id="[^"]+">([^<]+)</h2>|'
                   r'<a class="dashboard-count[^"]*" href="([^"]+)"><span>([^<]+)</span><strong>([^<]+)</strong>')


def _cards(page: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(card heading, label) → (count, link) for every count on the page."""
    found, heading = {}, None
    for match in COUNT.finditer(page):
        if match.group(1):
            heading = html.unescape(match.group(1))
        else:
            found[(heading, html.unescape(match.group(3)))] = (match.group(4), html.unescape(match.group(2)))
    return found


def _counts(page: str) -> dict[tuple[str, str], str]:
    return {key: count for key, (count, _link) in _cards(page).items()}


def _dashboard(client) -> str:
    response = client.get("/console/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _queue(status: str) -> None:
    message = queue_mail("x@example.com", "Subject", "staff_locked", name="X", failures=1)
    message.status = status
    db.session.commit()


def _signed_in(make, console, role: str, **fields):
    staff = make.staff(role, **fields)
    assert console.login(staff.email, PASSWORD).status_code == 302
    return staff


def _kind(code: str) -> SupportRequestType:
    return db.session.scalar(select(SupportRequestType).where(SupportRequestType.code == code))


def _works(staff, *codes: str) -> None:
    db.session.add_all(StaffQueue(staff_id=staff.id, request_type_id=_kind(code).id) for code in codes)
    db.session.commit()


def _ticket(customer, code: str = "presale", **columns) -> Ticket:
    """A ticket made by the wizard, then set as the test needs it (who has it, its state and times)."""
    product = None
    if code != "presale":  # the other types are about a product the customer holds a code for: one per customer
        product = customer.__dict__.get("test_product") or product_with_code(customer)
        customer.__dict__["test_product"] = product
    ticket = make_ticket(customer, type_code=code, product=product)
    for name, value in columns.items():
        setattr(ticket, name, value)
    db.session.commit()
    return ticket


# --- administrators ---------------------------------------------------------------------------------------------

def test_the_admin_dashboard_shows_exact_counts_under_the_limit(make, console, client):
    for _ in range(2):
        make.customer(status=CustomerStatus.ACTIVE)
    make.customer(status=CustomerStatus.PENDING)
    _queue(OutboxStatus.QUEUED)
    _queue(OutboxStatus.FAILED)
    _queue(OutboxStatus.SENT)
    analysed(b"first file", "one.bin")  # its confirmation mail waits in the outbox
    submit(b"second file", "two.bin")  # its analysis job waits in the queue, and its confirmation mail too
    db.session.add(Job(kind="webhook.deliver", payload={}, state=JobState.FAILED, attempts=5))
    db.session.commit()
    make.staff("support", is_active=False)
    console.login("nobody@example.com", "wrong")  # one failed staff sign-in
    _signed_in(make, console, "admin")

    page = _dashboard(client)

    assert "<title>Dashboard · Console</title>" in page
    counts = _counts(page)
    assert counts == {
        ("Mail outbox", "Waiting"): "3",  # one queued by hand, two Virus Lab confirmations
        ("Mail outbox", "Failed"): "1",
        ("Job queue", "Waiting"): str(db.session.scalar(
            select(db.func.count()).select_from(Job).where(Job.state == JobState.QUEUED))),
        ("Job queue", "Failed"): "1",
        ("Failed sign-ins, last 24 hours", "Failed staff sign-ins"): "1",
        ("Failed sign-ins, last 24 hours", "Failed customer sign-ins"): "0",
        ("Staff accounts", "Active"): "1",
        ("Staff accounts", "Locked or deactivated"): "1",
        ("Customers", "Waiting for activation"): "1",
        ("Customers", "Active"): "4",  # two made here, two filed the lab requests
        ("Customers", "Locked"): "0",
        ("Customers", "Imported from Personal Cabinet, not yet claimed"): "0",
    }
    assert int(counts[("Job queue", "Waiting")]) >= 2  # the mail deliveries and the analysis job at least


def test_each_admin_count_links_to_the_list_it_counts(make, console, client):
    _queue(OutboxStatus.FAILED)
    _queue(OutboxStatus.SENT)
    db.session.add_all([Job(kind="webhook.deliver", payload={}, state=JobState.FAILED, attempts=5),
                        Job(kind="webhook.deliver", payload={}, state=JobState.DONE, attempts=1)])
    db.session.commit()
    make.customer(status=CustomerStatus.LOCKED, email="locked@example.com")
    make.customer(status=CustomerStatus.ACTIVE, email="active@example.com")
    console.login("nobody@example.com", "wrong")
    _signed_in(make, console, "admin")

    links = {key: link for key, (_count, link) in _cards(_dashboard(client)).items()}

    outbox = client.get(links[("Mail outbox", "Failed")]).get_data(as_text=True)
    assert "1 matching" in outbox
    jobs = client.get(links[("Job queue", "Failed")]).get_data(as_text=True)
    assert "1 matching" in jobs and "Webhook deliver" in jobs  # the kind in words (services/labels.py)
    locked = client.get(links[("Customers", "Locked")]).get_data(as_text=True)
    assert "locked@example.com" in locked and "active@example.com" not in locked
    failed = client.get(links[("Failed sign-ins, last 24 hours", "Failed staff sign-ins")]).get_data(as_text=True)
    assert "1 matching" in failed  # the failure, not the admin's own sign-in
    assert links[("Staff accounts", "Active")] == "/console/staff/"
    for link in links.values():
        assert client.get(link).status_code == 200


@pytest.fixture
def small_count_limit(app_config):
    app_config["EXACT_COUNT_LIMIT"] = 3


def test_the_dashboard_bounds_its_counts_past_the_limit(small_count_limit, app, make, console, client, backend):
    for _ in range(6):
        make.customer(status=CustomerStatus.ACTIVE)
    _signed_in(make, console, "admin")

    counts = _counts(_dashboard(client))

    active = counts[("Customers", "Active")]
    if backend == "sqlite":
        assert active == "more than 3"
    else:
        assert re.fullmatch(r"about [\d,]+", active)  # the planner's estimate, never below the limit
        assert int(active.split()[1].replace(",", "")) >= 3
    assert counts[("Customers", "Waiting for activation")] == "0"  # small counts stay exact


def test_failed_customer_sign_ins_of_the_last_24_hours_are_counted(app, make, console, client):
    customer = make.customer(email="ann@example.com")
    portal = app.test_client()
    set_now(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    try:
        portal.post("/login", data={"email": customer.email, "password": "wrong"})  # two days before: not counted
        set_now(datetime(2026, 3, 3, 8, 0, tzinfo=UTC))
        portal.post("/login", data={"email": customer.email, "password": "still wrong"})
        portal.post("/login", data={"email": "nobody@example.com", "password": "anything"})  # unknown address
        portal.post("/login", data={"email": customer.email, "password": PASSWORD})  # a success is not a failure
        set_now(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))
        _signed_in(make, console, "admin")
        counts = _counts(_dashboard(client))
    finally:
        set_now(None)
    assert counts[("Failed sign-ins, last 24 hours", "Failed customer sign-ins")] == "2"
    assert counts[("Failed sign-ins, last 24 hours", "Failed staff sign-ins")] == "0"


# --- support engineers ------------------------------------------------------------------------------------------

def test_the_engineer_dashboard_counts_their_work_and_their_queues(make, console, client):
    engineer = _signed_in(make, console, "support")
    colleague = make.staff("support")
    _works(engineer, "presale", "updates")
    customer = make.customer()
    now = utcnow()
    _ticket(customer, assignee_id=engineer.id)  # mine, new, due in 8 h: not breaching
    _ticket(customer, assignee_id=engineer.id, first_response_at=now - timedelta(hours=2),
            unanswered_since=now - timedelta(hours=1), status="open")  # mine, the customer replied
    _ticket(customer, assignee_id=engineer.id, unanswered_since=now)  # never answered: not "replied"
    _ticket(customer, assignee_id=colleague.id, first_response_at=now, unanswered_since=now,
            status="open")  # a colleague's
    _ticket(customer, "presale")  # unassigned in my queue
    _ticket(customer, "presale", first_response_due_at=now + timedelta(hours=3))  # …and breaching within 4 h
    _ticket(customer, "updates", first_response_at=now, resolution_due_at=now - timedelta(hours=1),
            status="open")  # unassigned, overdue
    _ticket(customer, "setup")  # unassigned, but not in my queues
    _ticket(customer, "presale", status="closed", closed_at=now)  # closed: counts nowhere
    _ticket(customer, "presale", first_response_due_at=now - timedelta(hours=1), status="waiting",
            waiting_since=now)  # waiting for the customer: its clock is paused, so not breaching

    counts = _cards(_dashboard(client))

    assert counts == {
        ("My work", "My open tickets"): ("3", "/console/tickets/?view=mine"),
        ("My work", "Customer replied, waiting for me"): ("1", "/console/tickets/?view=mine&replied=1"),
        ("My work", "Due within 4 hours or overdue"): ("2", "/console/tickets/?due_within=4"),
        ("Unassigned in my queues", "Pre-sale question"): ("3", "/console/tickets/?view=unassigned&queue=presale"),
        ("Unassigned in my queues", "AV-bases Updates problem"): (
            "1", "/console/tickets/?view=unassigned&queue=updates"),
    }
    mine = client.get("/console/tickets/?view=mine").get_data(as_text=True)
    assert 'id="list-count">3 matching<' in mine  # the list it links to holds the same tickets
    unassigned = client.get("/console/tickets/?view=unassigned&queue=presale").get_data(as_text=True)
    assert 'id="list-count">3 matching<' in unassigned


def test_an_engineer_without_queues_is_asked_to_choose_them(make, console, client):
    _signed_in(make, console, "support")
    page = _dashboard(client)
    assert "You have not chosen the queues you work yet." in page
    assert '<a href="/console/profile/">Choose my queues</a>' in page


def test_the_breaching_and_replied_conditions_are_the_ones_the_queue_can_filter_by(make, app):
    from backoffice.services.support.reading import replied_condition
    from backoffice.services.support.sla import due_within_condition

    customer = make.customer()
    now = utcnow()
    soon = _ticket(customer, first_response_due_at=now + timedelta(hours=3, minutes=59))
    later = _ticket(customer, first_response_due_at=now + timedelta(hours=4, minutes=1))
    answered_late = _ticket(customer, first_response_at=now, first_response_due_at=now - timedelta(hours=1),
                            resolution_due_at=now + timedelta(hours=30), status="open", unanswered_since=None)
    replied = _ticket(customer, first_response_at=now, unanswered_since=now, status="open")

    breaching = set(db.session.scalars(select(Ticket.id).where(due_within_condition(now, 4))))
    assert soon.id in breaching
    assert later.id not in breaching and answered_late.id not in breaching  # a given first response is no breach
    assert set(db.session.scalars(select(Ticket.id).where(replied_condition()))) == {replied.id}


# --- virus analysts ---------------------------------------------------------------------------------------------

def test_the_analyst_dashboard_counts_the_lab_and_their_claims(make, console, client):
    analyst = _signed_in(make, console, "analyst")
    colleague = make.staff("analyst")
    waiting = analysed(b"first file", "one.bin")
    claimed = analysed(b"second file", "two.bin")
    submissions.claim(staff_actor(analyst), claimed)
    theirs = analysed(b"third file", "three.bin")
    submissions.claim(staff_actor(colleague), theirs)
    failed = submit(b"fourth file", "four.bin")
    failed.state = "analysis_failed"
    db.session.commit()

    cards = _cards(_dashboard(client))

    assert {key: count for key, (count, _link) in cards.items()} == {
        ("Virus Lab", "Waiting for an analyst"): "3",
        ("Virus Lab", "Analysis failed"): "1",
        ("Virus Lab", "Claimed by me, still open"): "1",
    }
    mine = client.get(cards[("Virus Lab", "Claimed by me, still open")][1]).get_data(as_text=True)
    assert claimed.number in mine and theirs.number not in mine and waiting.number not in mine
    lab_failed = client.get(cards[("Virus Lab", "Analysis failed")][1]).get_data(as_text=True)
    assert failed.number in lab_failed and waiting.number not in lab_failed
    lab_waiting = client.get(cards[("Virus Lab", "Waiting for an analyst")][1]).get_data(as_text=True)
    assert waiting.number in lab_waiting and failed.number not in lab_waiting
    assert parse_qs(urlsplit(cards[("Virus Lab", "Claimed by me, still open")][1]).query)  # a filtered list


# --- every role: statements and landing -------------------------------------------------------------------------

def _statements(client) -> int:
    seen = []

    def counted(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        _dashboard(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return len(seen)


def _rows(role: str, staff, customer, n: int) -> None:
    """`n` rows of everything the role's dashboard counts."""
    now = utcnow()
    for _ in range(n):
        _queue(OutboxStatus.FAILED)
        if role == "support":
            _ticket(customer, assignee_id=staff.id, first_response_at=now, unanswered_since=now, status="open",
                    resolution_due_at=now + timedelta(hours=1))
            _ticket(customer, "updates")
    if role == "analyst":
        for number in range(n):
            item = submit(f"file {number}".encode(), f"{number}.bin", customer)
            item.state = "waiting" if number % 2 else "analysis_failed"
            item.assignee_id = staff.id
            db.session.commit()


@pytest.mark.parametrize("role", ["admin", "support", "analyst"])
def test_a_dashboard_runs_as_many_statements_for_30_rows_as_for_1(make, console, client, role):
    staff = _signed_in(make, console, role)
    if role == "support":
        _works(staff, "presale", "updates", "setup")
    customer = make.customer()
    _rows(role, staff, customer, 1)
    few = _statements(client)
    _rows(role, staff, customer, 29)
    many = _statements(client)
    assert many == few
    assert few <= 5  # the session and its staff member, their queues, and one statement for all the counts


@pytest.mark.parametrize("role, first_card", [("admin", "Mail outbox"), ("support", "My work"),
                                              ("analyst", "Virus Lab")])
def test_sign_in_lands_on_the_roles_dashboard(make, client, role, first_card):
    staff = make.staff(role)
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert next(iter(_cards(page)))[0] == first_card
    # the navigation bar names the person, linking to their profile, and their role in words
    role_label = {"admin": "Administrator", "support": "Support engineer", "analyst": "Virus analyst"}[role]
    assert (f'<a class="navbar-text text-light mr-2" href="/console/profile/"><span class="sr-only">My profile: '
            f'</span>{staff.name}</a>') in page
    assert f'<span class="badge badge-light mr-3">{role_label}</span>' in page


def test_a_signed_out_visit_signs_in_to_the_page_asked_for(make, client):
    staff = make.staff("analyst")
    sent = client.get("/console/viruslab/")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/console/login?next=")
    landed = client.post(sent.headers["Location"], data={"email": staff.email, "password": PASSWORD})
    assert landed.headers["Location"] == "/console/viruslab/"


@pytest.mark.parametrize("target", ["/console/staff/", "/console/no-such-page", "/console/tickets/?view=mine"])
def test_a_page_the_role_cannot_open_signs_in_to_its_dashboard_instead(make, client, target):
    analyst = make.staff("analyst")  # neither the staff list nor the ticket queues are an analyst's
    landed = client.post("/console/login", query_string={"next": target},
                         data={"email": analyst.email, "password": PASSWORD})
    assert landed.status_code == 302 and landed.headers["Location"] == "/console/"
    assert next(iter(_cards(client.get("/console/").get_data(as_text=True))))[0] == "Virus Lab"
