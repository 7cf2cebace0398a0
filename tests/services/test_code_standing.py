"""states.standing: one function decides a code's standing (state with the blacklist reason, expiring soon,
seats, transfers against the cap), and its SQL form selects exactly the codes whose standing names a problem."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeState
from backoffice.services.licensing.states import (
    CodeProblem,
    any_problem_condition,
    problem_condition,
    standing,
    standings,
)
from tests.licensing_helpers import make_product
from tests.support.code_helpers import blacklist, held_code, use_up_transfers


@pytest.fixture
def customer(make):
    return make.customer(email="owner@example.com")


@pytest.fixture
def codes(make, customer):
    """One code per case the standing distinguishes."""
    product = make_product("Internet Security")
    others = [make.customer(email=f"other{n}@example.com") for n in range(3)]
    found = {
        "valid": held_code(customer, product, seats=3),
        "expiring": held_code(customer, product, expires_in_days=10),
        "expired": held_code(customer, product, expires_in_days=-1),
        "future": held_code(customer, product, starts_in_days=5),
        "full": held_code(customer, product, seats=2, taken=2),
        "capped": held_code(customer, product, seats=5),
        "granted": held_code(customer, product, seats=5),
        "listed": held_code(customer, product, seats=3),
        "listed_expired": held_code(customer, product, expires_in_days=-1),
    }
    use_up_transfers(found["capped"], others)
    use_up_transfers(found["granted"], others, extra=1)
    blacklist(found["listed"], "fraud", "Card reported stolen")
    blacklist(found["listed_expired"], "leaked", None)
    return found


def test_each_case_has_its_standing(codes):
    by_name = {name: standing(code.id) for name, code in codes.items()}
    assert by_name["valid"].state is CodeState.VALID and not by_name["valid"].expiring_soon
    assert by_name["valid"].problems == () and by_name["valid"].summary == "Valid"
    assert by_name["expiring"].state is CodeState.VALID and by_name["expiring"].expiring_soon
    assert by_name["expiring"].badge == "warning" and by_name["expiring"].summary.endswith("UTC")
    assert by_name["expired"].state is CodeState.EXPIRED and by_name["expired"].problems == (CodeProblem.EXPIRED,)
    assert by_name["future"].state is CodeState.NOT_YET_VALID and by_name["future"].problems == ()
    assert "Not yet valid, from" in by_name["future"].summary
    full = by_name["full"]
    assert (full.seats_used, full.seats_total, full.seat_free) == (2, 2, False)
    assert full.problems == (CodeProblem.NO_FREE_SEAT,)
    capped = by_name["capped"]
    assert (capped.transfers_used, capped.transfer_cap, capped.cap_reached) == (3, 3, True)
    assert capped.problems == (CodeProblem.TRANSFER_CAP_REACHED,)
    assert by_name["granted"].transfers_used == 3 and not by_name["granted"].cap_reached  # support granted one
    listed = by_name["listed"]
    assert listed.state is CodeState.BLACKLISTED and not listed.is_active
    assert (listed.blacklist_reason, listed.blacklist_note) == ("fraud", "Card reported stolen")
    assert listed.summary == "Blacklisted: Fraud (stolen payment details)" and listed.badge == "danger"
    assert by_name["listed_expired"].problems == (CodeProblem.BLACKLISTED,)  # the blacklist wins over the dates


def test_transfers_leave_the_window_and_expiring_is_relative_to_now(codes):
    later = utcnow() + timedelta(days=31)
    set_now(later)
    assert standing(codes["capped"].id).transfers_used == 0 and not standing(codes["capped"].id).cap_reached
    assert standing(codes["expiring"].id).state is CodeState.EXPIRED
    assert standing(codes["valid"].id, now=later).state is CodeState.VALID


@pytest.mark.parametrize("problem", list(CodeProblem))
def test_the_sql_form_selects_exactly_the_codes_whose_standing_names_the_problem(codes, problem):
    now = utcnow()
    by_sql = set(db.session.scalars(select(ActivationCode.id).where(problem_condition(problem, now))))
    by_standing = {code_id for code_id, s in standings(c.id for c in codes.values()).items() if problem in s.problems}
    assert by_sql == by_standing and by_sql  # every problem has a code here


def test_any_problem_is_the_union(codes):
    now = utcnow()
    by_sql = set(db.session.scalars(select(ActivationCode.id).where(any_problem_condition(now))))
    assert by_sql == {code_id for code_id, s in standings(c.id for c in codes.values()).items() if s.problems}
    assert codes["valid"].id not in by_sql and codes["future"].id not in by_sql


def test_a_page_of_codes_is_one_statement(app, codes):
    ids = [code.id for code in codes.values()] + [None, 10**9]  # read before counting
    seen = []

    def remember(_conn, _cursor, statement, *_):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        result = standings(ids)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert len(result) == len(codes) and len(seen) == 1
    assert standing(10**9) is None  # no such code
    assert standings([]) == {} and standings([None]) == {}


def test_a_lifted_entry_no_longer_blacklists(codes):
    from backoffice.models import BlacklistEntry
    from backoffice.services.licensing.blacklist import lift_entry
    from tests.support.code_helpers import STAFF

    code = codes["listed"]
    entry = db.session.scalar(select(BlacklistEntry).where(BlacklistEntry.code_id == code.id))
    lift_entry(entry.id, "Payment cleared after all", STAFF)
    lifted = standing(code.id)
    assert lifted.state is CodeState.VALID and lifted.blacklist_reason is None and lifted.problems == ()
