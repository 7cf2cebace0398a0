"""Several bounded counts in one statement (a dashboard's): exact up to the limit, then "more than" on SQLite or the
planner's estimate on PostgreSQL, which costs a statement only for a count past the limit."""

from __future__ import annotations

from sqlalchemy import event, select

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus
from backoffice.services.counting import Count, bounded_counts


def _statements(run) -> tuple[object, int]:
    seen = []

    def counted(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        return run(), len(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)


def _by_status() -> dict:
    return {status: select(Customer.id).where(Customer.status == status) for status in CustomerStatus}


def test_counts_under_the_limit_are_exact_and_take_one_statement(make):
    for _ in range(3):
        make.customer(status=CustomerStatus.ACTIVE)
    make.customer(status=CustomerStatus.LOCKED)

    counts, statements = _statements(lambda: bounded_counts(_by_status(), limit=3))

    assert statements == 1
    assert counts == {CustomerStatus.PENDING: Count(0, exact=True), CustomerStatus.ACTIVE: Count(3, exact=True),
                      CustomerStatus.LOCKED: Count(1, exact=True), CustomerStatus.LEGACY: Count(0, exact=True)}


def test_a_count_past_the_limit_is_bounded_the_way_bounded_count_is(make, backend):
    for _ in range(5):
        make.customer(status=CustomerStatus.ACTIVE)

    counts, statements = _statements(lambda: bounded_counts(_by_status(), limit=3))

    active = counts[CustomerStatus.ACTIVE]
    if backend == "sqlite":
        assert active == Count(3, exact=False, floor=True) and str(active) == "more than 3"
        assert statements == 1
    else:
        assert not active.exact and not active.floor and active.value >= 3  # "about N", never below the limit
        assert statements == 2  # the counts, and the estimate of the one past the limit
    assert counts[CustomerStatus.LOCKED] == Count(0, exact=True)


def test_no_counts_ask_nothing(app):
    assert _statements(lambda: bounded_counts({})) == ({}, 0)
