"""Bounded counts: exact up to the limit; past it "more than" on SQLite and a planner estimate on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus
from backoffice.seeding import seed_customers
from backoffice.services.counting import Count, bounded_count


def test_exact_up_to_the_limit(make):
    for _ in range(3):
        make.customer()
    make.customer(status=CustomerStatus.LOCKED)

    assert bounded_count(select(Customer.id), limit=4) == Count(4, exact=True)
    assert bounded_count(select(Customer.id).where(Customer.status == CustomerStatus.LOCKED), limit=4) == Count(
        1, exact=True)
    assert bounded_count(select(Customer.id).where(Customer.status == CustomerStatus.LEGACY), limit=4) == Count(
        0, exact=True)
    assert str(bounded_count(select(Customer.id), limit=4)) == "4"


def test_the_limit_comes_from_the_configuration(app, make):
    app.config["EXACT_COUNT_LIMIT"] = 2
    for _ in range(3):
        make.customer()
    count = bounded_count(select(Customer.id))
    assert not count.exact and count.value >= 2


def test_past_the_limit_sqlite_says_more_than(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite has no planner estimate; PostgreSQL is tested below")
    seed_customers(250, batch=100)
    count = bounded_count(select(Customer.id), limit=100)
    assert count == Count(100, exact=False, floor=True)
    assert str(count) == "more than 100"


def test_past_the_limit_postgresql_estimates(app, postgres_only):
    seed_customers(2500, batch=1000)
    db.session.execute(text("ANALYZE customers"))
    count = bounded_count(select(Customer.id), limit=100)
    assert not count.exact and not count.floor
    assert 2000 <= count.value <= 3000  # the planner's figure, not a scan
    assert str(count) == f"about {count.value:,}"
    filtered = bounded_count(select(Customer.id).where(Customer.country == "DE"), limit=10)
    assert not filtered.exact and filtered.value >= 10


def test_a_count_never_reads_more_than_the_limit_plus_one(app):
    seed_customers(300, batch=300)
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        bounded_count(select(Customer.id), limit=50)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    [(count_sql, parameters)] = [s for s in statements if "count(*)" in s[0].lower()]
    assert "LIMIT" in count_sql
    values = parameters.values() if isinstance(parameters, dict) else parameters
    assert 51 in values


def test_postgresql_does_not_count_when_the_planner_expects_far_more_than_the_limit(app, postgres_only):
    seed_customers(2500, batch=1000)
    db.session.execute(text("ANALYZE customers"))
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lower())

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        count = bounded_count(select(Customer.id), limit=100)  # about 2,500 expected: 25 times the limit
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert not count.exact and 2000 <= count.value <= 3000
    assert [s for s in statements if s.startswith("explain")] and not [s for s in statements if "count(" in s]


def test_search_terms_with_colons_and_percent_signs_are_counted_as_typed(app, make):
    from backoffice.services.customers import search_condition

    make.customer(email="weird@example.com", name="Ann :ab%cd")
    make.customer(email="plain@example.com", name="Ann abcd")

    count = bounded_count(select(Customer.id).where(search_condition(":ab%")), limit=10)
    assert count == Count(1, exact=True)
