"""The "N matching" header of the console's big lists: exact when small, bounded when large, never a full COUNT(*)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from backoffice.extensions import db
from backoffice.seeding import seed_customers
from tests.factories import PASSWORD


@pytest.fixture
def signed_in(make, console):
    staff = make.staff("support")
    assert console.login(staff.email, PASSWORD).status_code == 302


@pytest.fixture
def statements(app):
    """The SQL each request runs, to see which counts a page does."""
    seen: list[str] = []

    def remember(_conn, _cursor, statement, _parameters, _context, _executemany):
        seen.append(" ".join(statement.split()).lower())

    event.listen(db.engine, "before_cursor_execute", remember)
    yield seen
    event.remove(db.engine, "before_cursor_execute", remember)


def header(page: str) -> str:
    match = re.search(r'id="list-count">([^<]*) matching<', page)
    assert match, "no count header on the list page"
    return match.group(1)


def test_a_first_page_that_is_not_full_is_its_own_count(signed_in, make, client, statements):
    for _ in range(3):
        make.customer()
    statements.clear()

    page = client.get("/console/customers/").get_data(as_text=True)

    assert header(page) == "3"
    assert not [sql for sql in statements if "count(" in sql]  # no count query at all, let alone COUNT(*)


def test_a_full_first_page_is_counted_up_to_the_limit(app, signed_in, client, statements):
    seed_customers(70, batch=70)
    statements.clear()

    page = client.get("/console/customers/").get_data(as_text=True)

    assert header(page) == "70"
    [count_sql] = [sql for sql in statements if "count(" in sql]
    assert " limit " in count_sql  # capped, never the whole table
    assert "order by" not in count_sql


def test_past_the_limit_the_header_says_so(app, signed_in, client, backend):
    app.config["EXACT_COUNT_LIMIT"] = 55
    seed_customers(70, batch=70)

    count = header(client.get("/console/customers/").get_data(as_text=True))

    if backend == "sqlite":
        assert count == "more than 55"
    else:
        assert re.fullmatch(r"about [\d,]+", count) and int(count.split()[1].replace(",", "")) >= 55


def test_the_header_counts_what_the_search_and_filters_keep(app, signed_in, client):
    seed_customers(200, batch=200)  # names come from 22 first and 18 last names: "anna" matches about 1 in 22

    everyone = header(client.get("/console/customers/", query_string={"search": "scale.example"}).get_data(
        as_text=True))
    annas = header(client.get("/console/customers/", query_string={"search": "anna"}).get_data(as_text=True))
    locked = header(client.get("/console/customers/", query_string={"flt0_0": "locked"}).get_data(as_text=True))

    assert everyone == "200"
    assert 0 < int(annas) < 50
    assert 0 < int(locked) < 50


def test_a_search_page_reads_the_index_in_order_on_sqlite(app, signed_in, client, statements, backend):
    """SQLite: newest-first search results come straight from the FTS5 index, with no sort of all matches."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL's plan depends on table statistics; bench/console_queries.py shows it at scale")
    seed_customers(120, batch=120)
    statements.clear()

    page = client.get("/console/customers/", query_string={"search": "scale.example"}).get_data(as_text=True)

    assert header(page) == "120"
    [list_sql] = [sql for sql in statements if "order by" in sql and "customers_fts" in sql]
    plan = " ".join(row[-1] for row in db.session.connection().exec_driver_sql(
        "EXPLAIN QUERY PLAN " + list_sql, ("\"scale.example\"", 50, 0)))
    assert "customers_fts VIRTUAL TABLE" in plan and "TEMP B-TREE" not in plan, plan


def test_row_icons_link_each_row_to_its_pages_for_the_roles_that_may_use_them(make, console, client):
    customer = make.customer()
    support, analyst = make.staff("support"), make.staff("analyst")
    details = f'<a class="icon" href="/console/customers/details/?id={customer.id}&amp;url=/console/customers/'
    edit = f'<a class="icon" href="/console/customers/edit/?id={customer.id}&amp;url=/console/customers/'

    console.login(support.email, PASSWORD)
    page = client.get("/console/customers/").get_data(as_text=True)
    assert details in page and edit in page
    assert 'title="View Record"' in page and 'title="Edit Record"' in page

    console.logout()
    console.login(analyst.email, PASSWORD)
    page = client.get("/console/customers/").get_data(as_text=True)
    assert details in page and edit not in page  # analysts read customers, never edit them
