"""The queue's sort orders and keyset pages: each order in both directions, page boundaries that fall among
equal sort keys (nothing repeated, nothing skipped), a deep page reached through the cursor, no OFFSET in any
statement, a cursor that cannot be read, and (PostgreSQL) each common view's order served by an index."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, text

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.services.support import queue_sorting, queues
from backoffice.services.support.queue_sorting import SORTS
from tests.console.queue_rows import insert_tickets, listed, walk
from tests.factories import PASSWORD

RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
KEYS = {"number": lambda t: 0, "activity": lambda t: t.last_activity_at,
        "first_response_due": lambda t: t.first_response_due_at, "resolution_due": lambda t: t.resolution_due_at,
        "priority": lambda t: RANK[t.priority], "age": lambda t: t.created_at}


@pytest.fixture
def engineer(make, console):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    return staff


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(queues, "PAGE_SIZE", 3)


def clumped(customer) -> list:
    """Eleven tickets whose every sort key comes in runs of equal values, so page boundaries (every 3 rows)
    fall inside runs; the ids run against some keys so the tie-break by id is visible."""
    now = utcnow().replace(microsecond=0)
    priorities = ["high", "high", "urgent", "high", "high", "low", "normal", "normal", "normal", "normal", "urgent"]
    specs = []
    for i, priority in enumerate(priorities):
        run = i // 4  # values repeat in runs of 4
        specs.append({"priority": priority, "created_at": now - timedelta(hours=10 - run),
                      "last_activity_at": now - timedelta(minutes=3 - (i % 3)),
                      "first_response_due_at": now + timedelta(hours=2 - run),
                      "resolution_due_at": now + timedelta(hours=(i * 7) % 3)})
    return insert_tickets(customer, specs)


def expected(tickets, key: str, direction: str) -> list[str]:
    ordered = sorted(tickets, key=lambda t: (KEYS[key](t), t.id), reverse=direction == "desc")
    return [t.number for t in ordered]


@pytest.mark.parametrize("key", list(SORTS))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_each_order_pages_through_every_ticket_once(make, engineer, client, small_pages, key, direction):
    tickets = clumped(make.customer())
    pages = walk(client, "/console/tickets/", {"queue": "general", "sort": key, "dir": direction})
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert [number for p in pages for number in p] == expected(tickets, key, direction)


def test_the_heading_shows_the_order_and_flips_it(make, engineer, client):
    clumped(make.customer())
    page = client.get("/console/tickets/", query_string={"sort": "priority"}).get_data(as_text=True)
    assert 'aria-sort="ascending"' in page and "sorted urgent first" in page
    assert "sort=priority&amp;dir=desc" in page  # the heading's link asks for the other direction
    page = client.get("/console/tickets/", query_string={"sort": "priority", "dir": "desc"}).get_data(as_text=True)
    assert 'aria-sort="descending"' in page and "sorted low first" in page


def test_a_boundary_among_equal_keys_repeats_and_skips_nothing(make, engineer, client, small_pages):
    moment = utcnow().replace(microsecond=0)
    tickets = insert_tickets(make.customer(), [{"last_activity_at": moment, "priority": "high"}] * 7)
    numbers = [t.number for t in tickets]
    for query, order in (({"sort": "activity"}, numbers[::-1]), ({"sort": "activity", "dir": "asc"}, numbers),
                         ({"sort": "priority"}, numbers), ({"sort": "priority", "dir": "desc"}, numbers[::-1])):
        pages = walk(client, "/console/tickets/", query)
        assert pages == [order[:3], order[3:6], order[6:]], query


def test_a_deep_page_through_the_cursor_without_offset(make, engineer, client, small_pages, backend):
    now = utcnow().replace(microsecond=0)
    tickets = insert_tickets(make.customer(), [
        {"priority": ["urgent", "high", "normal", "low"][i % 4], "first_response_due_at": now + timedelta(hours=i % 5)}
        for i in range(40)])
    order = expected(tickets, "first_response_due", "asc")
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        pages = walk(client, "/console/tickets/", {"sort": "first_response_due"})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert len(pages) == 14 and pages[12] == order[36:39] and pages[13] == order[39:]
    assert [n for p in pages for n in p] == order
    pages_read = [(s, p) for s, p in statements if "ORDER BY" in s and "FROM tickets" in s]
    assert len(pages_read) == 14
    for statement, parameters in pages_read:  # SQLite's dialect writes "OFFSET 0" into every LIMIT
        assert "OFFSET" not in statement or statement.endswith("OFFSET ?") and parameters[-1] == 0, statement


def test_a_cursor_that_cannot_be_read_shows_the_first_page(make, engineer, client, small_pages):
    tickets = clumped(make.customer())
    first = expected(tickets, "priority", "asc")[:3]
    for bad in ("nonsense", "9~x", "7~0", "2026-01-01T00:00:00~5", "x" * 300):
        response = client.get("/console/tickets/", query_string={"sort": "priority", "after": bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and listed(page) == first, bad
        assert "That page link no longer fits this list" in page
    for bad in ("2026-01-01T00:00:00~5", "1~5", "12x"):  # a naive time, a rank for a time, not an id
        response = client.get("/console/tickets/", query_string={"sort": "age", "after": bad})
        assert response.status_code == 200 and "no longer fits" in response.get_data(as_text=True), bad


def test_a_cursor_round_trips_through_its_text():
    moment = utcnow()
    for key, value in (("activity", moment), ("priority", 2), ("number", None)):
        order = SORTS[key]
        cursor = queue_sorting.Cursor(value, 41)
        assert queue_sorting.decode(order, queue_sorting.encode(order, cursor)) == cursor


def test_a_word_search_keeps_its_newest_first_window(make, engineer, client):
    clumped(make.customer())
    page = client.get("/console/tickets/", query_string={"q": "Question", "sort": "priority"}).get_data(as_text=True)
    assert "A word search lists the newest matches first." in page
    numbers = listed(page)
    assert numbers == sorted(numbers, reverse=True)


VIEWS = {"a queue": {"queue": "general"}, "all queues": {}, "mine": {"view": "mine"},
         "unassigned": {"view": "unassigned"}}


@pytest.mark.parametrize("view", list(VIEWS))
def test_each_common_view_reads_its_order_from_an_index(app, make, engineer, postgres_only, view):
    """No sort step in the plan: the page is the first rows of an index, at any table size."""
    insert_tickets(make.customer(), [{"priority": "high"}] * 5)
    db.session.execute(text("ANALYZE tickets"))
    for key in SORTS:
        for direction in ("asc", "desc"):
            filters = queues.Filters.from_args({**VIEWS[view], "sort": key, "dir": direction})
            cursor = queue_sorting.Cursor(RANK["high"] if key == "priority" else utcnow(), 3) \
                if key != "number" else queue_sorting.Cursor(None, 3)
            statement = queue_sorting.sorted_page(queues.base_query(filters, engineer.id), filters.order,
                                                  direction, cursor, 51)
            compiled = statement.compile(dialect=db.engine.dialect, compile_kwargs={"render_postcompile": True})
            connection = db.session.connection()
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(
                "EXPLAIN " + str(compiled), compiled.params))
            assert "Sort" not in plan and "Index" in plan, (view, key, direction, plan)
            db.session.rollback()
