"""Each console page runs a fixed number of SQL statements, whatever the data: counted with 1 and with 50 related
rows (a list of 1 vs 50 rows, a ticket with 1 vs 50 messages with attachments, a customer with 1 vs 50 of
everything), as every role that sees the page. A page that loads something row by row (an N+1) fails here.

Lists: a first page that holds every match needs no count for its header; once the matches may go on past it,
the list counts them in a bounded way (backoffice/console/lists.py, services/support/queues.py: a capped COUNT,
after the planner's estimate on PostgreSQL). That is the only difference allowed between 1 row and 50 or 120
(more than a page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask_admin.contrib.sqla.filters import FilterEqual

from tests.console import statement_rows as rows
from tests.factories import PASSWORD
from tests.statements import recorded

ADMIN, SUPPORT, ANALYST = "admin", "support", "analyst"
ALL = (ADMIN, SUPPORT, ANALYST)
HEADER_COUNT = {"sqlite": 1, "postgresql": 2}  # a full first page: the capped COUNT (and EXPLAIN's estimate)


@dataclass(frozen=True)
class Page:
    roles: tuple[str, ...]
    fill: Callable  # fill(app, staff, n) adds data with n related rows; returns the URL that shows it
    is_list: bool  # a list: each fill adds rows to the same page; otherwise each fill makes a new object
    marker: str | None = None  # text shown once a row: with 50 rows, the page must show it `shown` times
    shown: int = 50
    first: int = 1  # rows of the smaller measurement


def _customer_filter(app) -> str:
    """The customers list filtered by status and country, through Flask-Admin's own filter arguments."""
    (admin,) = [a for a in app.extensions["admin"] if a.url == "/console"]
    (view,) = [v for v in admin._views if v.endpoint == "customers"]
    params = []
    for position, (column, value) in enumerate((("status", "locked"), ("country", "PT"))):
        index, flt = next((i, f) for i, f in enumerate(view._filters)
                          if isinstance(f, FilterEqual) and f.column.key == column)
        params.append(f"flt{position}_{view.get_filter_arg(index, flt)}={value}")
    return "/console/customers/?" + "&".join(params)


def _queue(app, staff, n):
    customer = rows.customers(1)[0]
    rows.tickets(n, customer, assignee_id=staff.id, code_id=rows.codes(1, holder=customer)[0])
    return "/console/tickets/?queue=general"


def _customers(app, staff, n):
    rows.customers(n)
    return "/console/customers/"


def _customers_filtered(app, staff, n):
    rows.customers(n, status="locked")
    rows.customers(1, status="active")  # one that the filter leaves out
    return _customer_filter(app)


def _customers_searched(app, staff, n):
    rows.customers(n)
    return "/console/customers/?search=rows.example"


def _codes(app, staff, n):
    rows.codes(n, holder=rows.customers(1)[0])
    return "/console/codes/"


def _blacklist(app, staff, n):
    rows.codes(n, blacklisted=True)
    return "/console/blacklist/"


def _lab_requests(app, staff, n):
    rows.lab_requests(n, rows.customers(1)[0], assignee_id=staff.id)
    return "/console/viruslab/"


def _samples(app, staff, n):
    rows.samples(n)
    return "/console/samples/"


def _audit(app, staff, n):
    rows.audit_events(n, rows.customers(1)[0])
    return "/console/audit/"


def _outbox(app, staff, n):
    rows.outbox(n)
    return "/console/outbox/"


def _jobs(app, staff, n):
    rows.jobs(n)
    return "/console/jobs/"


def _ticket(app, staff, n):
    customer = rows.customers(1)[0]
    [number] = rows.tickets(1, customer, assignee_id=staff.id, code_id=rows.codes(1, holder=customer)[0])
    rows.thread(number, n, staff.id)
    return f"/console/tickets/{number}"


def _customer(app, staff, n):
    customer = rows.customers(1)[0]
    code_ids = rows.codes(n, holder=customer)
    rows.tickets(n, customer, assignee_id=staff.id, code_id=code_ids[0])
    rows.lab_requests(n, customer)
    rows.notes(n, customer)
    rows.audit_events(n, customer)
    return f"/console/customers/details/?id={customer}"


def _dashboard(app, staff, n):
    customer = rows.customers(1)[0]
    rows.tickets(n, customer, assignee_id=staff.id)
    rows.tickets(n, customer, status="new")
    rows.lab_requests(n, customer, assignee_id=staff.id)
    rows.jobs(n)
    return "/console/"


PAGES = {
    "ticket queue": Page((ADMIN, SUPPORT), _queue, True, 'href="/console/tickets/TS-'),
    "customers list": Page(ALL, _customers, True, "@rows.example.com"),
    "customers filter": Page(ALL, _customers_filtered, True, "locked@rows.example.com"),
    # a search that finds exactly one customer opens that customer's page instead of a list
    "customers e-mail search": Page(ALL, _customers_searched, True, "@rows.example.com", first=2),
    "activation codes": Page((ADMIN, SUPPORT), _codes, True, "00000-00000-"),
    "blacklist": Page((ADMIN, SUPPORT), _blacklist, True, "00000-00000-"),
    "Virus Lab requests": Page(ALL, _lab_requests, True, "VL-"),
    "Virus Lab samples": Page(ALL, _samples, True, "Trojan.Rows"),
    "audit log": Page((ADMIN,), _audit, True, "192.0.2.1"),
    "outbox": Page((ADMIN,), _outbox, True, "@rows.example.com"),
    "jobs": Page((ADMIN,), _jobs, True, "SMTP: connection refused"),
    "ticket page": Page((ADMIN, SUPPORT), _ticket, False, "log-"),
    "customer page": Page(ALL, _customer, False, "Note ", shown=20),  # the newest 20 of each list
    # counts only (and being rewritten for #13): nothing a row to look for
    "dashboard": Page(ALL, _dashboard, False),
}
# pages that still grow with their data, each with what grows; empty since the ticket page loads its messages'
# files in one statement
KNOWN_N_PLUS_ONE: dict[str, str] = {}


def cases() -> list:
    """(page, role) for every role that sees the page; the known N+1 cases marked as expected to fail."""
    return [pytest.param(name, role, id=f"{name}-{role}", marks=[
        pytest.mark.xfail(strict=True, reason=KNOWN_N_PLUS_ONE[name])] if name in KNOWN_N_PLUS_ONE else [])
        for name, page in PAGES.items() for role in page.roles]


def count_statements(client, url: str) -> tuple[int, str]:
    """Statements the request for `url` runs, after one unrecorded request (caches are then as they stay), and
    the page."""
    assert client.get(url).status_code == 200
    with recorded() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.location)
    return len(statements), response.get_data(as_text=True)


def assert_shows(page: Page, html: str) -> None:
    """The rows were made where the page looks: else the counts compare two empty pages."""
    if page.marker:
        assert html.count(page.marker) >= page.shown, f"{page.marker!r} {html.count(page.marker)} times"


@pytest.mark.parametrize(("name", "role"), cases())
def test_the_page_runs_as_many_statements_for_50_related_rows_as_for_1(name, role, app, make, console, client,
                                                                       backend):
    page = PAGES[name]
    staff = make.staff(role)
    assert console.login(staff.email, PASSWORD).status_code == 302

    url = page.fill(app, staff, page.first)
    few, _ = count_statements(client, url)
    if not page.is_list:
        many, html = count_statements(client, page.fill(app, staff, 50))
        assert_shows(page, html)
        assert many == few, f"{name}: {few} statements with 1 related row, {many} with 50"
        return
    for more in (50 - page.first, 70):
        page.fill(app, staff, more)
        many, html = count_statements(client, url)
        assert_shows(page, html)
        assert many <= few + HEADER_COUNT[backend], \
            f"{name}: {few} statements with {page.first} rows, {many} with {50 if more < 70 else 120}"
