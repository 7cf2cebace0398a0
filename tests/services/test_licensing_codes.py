"""Normalisation, the fixed order of add_code's results, seats, transfers and removal, on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.models import CodeRegistration
from backoffice.security import Actor
from backoffice.services.licensing import codes as code_service
from backoffice.services.licensing.codes import AddResult
from backoffice.services.licensing.manage import grant_transfer
from backoffice.services.licensing.normalise import normalise_code, normalise_prefix, prefix_bounds
from tests.licensing_helpers import active_holders, count, make_code

CANONICAL = "ABCDE-12345-FGHIJ-67890"


@pytest.mark.parametrize("raw", [
    "ABCDE-12345-FGHIJ-67890", "abcde-12345-fghij-67890", "  ABCDE12345FGHIJ67890 \n", "ABCDE 12345 FGHIJ 67890",
    "abcde\u201012345\u2011fghij\u201367890", "ABCDE\u201412345\u2015FGHIJ\u221267890", "ＡＢＣＤＥ-12345-FGHIJ-67890",
    "ABCDE\u00a012345\tFGHIJ 67890", "AB-CDE1-2345FG-HIJ67890",
])
def test_every_shape_a_customer_pastes_becomes_the_canonical_code(raw):
    assert normalise_code(raw) == CANONICAL


@pytest.mark.parametrize("raw", [
    "", "   ", "ABCDE-12345-FGHIJ-6789", "ABCDE-12345-FGHIJ-678901", "ABCDE-12345-FGHIJ-6789_",
    "ÄBCDE-12345-FGHIJ-67890", "ABCDE/12345/FGHIJ/67890", "ABCDE.12345.FGHIJ.67890", None,
])
def test_anything_else_is_not_a_code(raw):
    assert normalise_code(raw) is None


def test_a_prefix_in_any_shape_gives_a_range_that_only_codes_with_that_beginning_fall_in():
    assert normalise_prefix("abcde 12") == "ABCDE-12"
    low, high = prefix_bounds("ABCDE-12")
    assert (low, high) == ("ABCDE-12000-00000-00000", "ABCDE-12ZZZ-ZZZZZ-ZZZZZ")


def _add(customer, raw):
    return code_service.add_code(customer, raw, Actor("customer", customer.id, customer.email))


def test_results_come_in_the_fixed_order(app, make):
    customer = make.customer()
    assert _add(customer, "nonsense").result is AddResult.MALFORMED
    assert _add(customer, CANONICAL).result is AddResult.UNKNOWN
    # blacklisted beats expired and not-yet-valid
    assert _add(customer, make_code(blacklisted=True, expires_in_days=-1).code).result is AddResult.BLACKLISTED
    assert _add(customer, make_code(starts_in_days=3).code).result is AddResult.NOT_YET_VALID
    assert _add(customer, make_code(expires_in_days=-1).code).result is AddResult.EXPIRED
    mine = make_code(seats=1)
    assert _add(customer, mine.code.lower()).result is AddResult.ADDED
    # already yours beats "every seat taken" (the one seat is this customer's)
    assert _add(customer, mine.code).result is AddResult.ALREADY_YOURS
    assert _add(make.customer(), mine.code).result is AddResult.NO_SEAT_LEFT
    assert count(CodeRegistration) == 1


def test_a_code_for_n_computers_is_on_n_accounts_and_removal_frees_a_seat(app, make):
    code = make_code(seats=2)
    first, second, third = make.customer(), make.customer(), make.customer()
    assert _add(first, code.code).added and _add(second, code.code).added
    assert _add(third, code.code).result is AddResult.NO_SEAT_LEFT
    registration = db.session.query(CodeRegistration).filter_by(customer_id=first.id).one()
    assert code_service.remove_code(third, registration.id, Actor("customer", third.id)) is None  # not theirs
    assert code_service.remove_code(first, registration.id, Actor("customer", first.id)) is not None
    assert _add(third, code.code).added
    db.session.refresh(code)
    assert code.seats_taken == active_holders(code) == 2
    assert count(CodeRegistration, CodeRegistration.code_id == code.id) == 3  # the removed holding is kept


def test_transfers_are_capped_per_window_and_support_can_grant_one_more(app, make):
    app.config["CODE_TRANSFERS_PER_WINDOW"] = 2
    code = make_code(seats=1)
    holders = [make.customer() for _ in range(5)]
    start = utcnow()
    set_now(start)

    def move_to(index):
        previous = db.session.query(CodeRegistration).filter_by(code_id=code.id, removed_at=None).one()
        owner = next(c for c in holders if c.id == previous.customer_id)
        code_service.remove_code(owner, previous.id, Actor("customer", owner.id))
        return _add(holders[index], code.code)

    assert _add(holders[0], code.code).added  # first holder: not a transfer
    assert move_to(1).added and move_to(2).added  # two transfers: the cap
    refused = move_to(3)
    assert refused.result is AddResult.TRANSFER_CAP_REACHED and refused.transfer_cap == 2
    grant_transfer(code.id, Actor("staff", None, "support@example.com"))
    assert _add(holders[3], code.code).added  # the granted one, used up
    db.session.refresh(code)
    assert code.extra_transfers == 0
    previous = db.session.query(CodeRegistration).filter_by(code_id=code.id, removed_at=None).one()
    code_service.remove_code(holders[3], previous.id, Actor("customer", holders[3].id))
    assert _add(holders[4], code.code).result is AddResult.TRANSFER_CAP_REACHED
    set_now(start + timedelta(days=31))  # the window has moved on
    assert _add(holders[4], code.code).added


def test_the_database_refuses_more_holders_than_seats(app, make):
    from sqlalchemy.exc import IntegrityError

    code = make_code(seats=1)
    code.seats_taken = 2
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_database_refuses_a_code_that_is_not_canonical(app, make):
    from sqlalchemy.exc import IntegrityError

    from backoffice.models import ActivationCode

    bad_codes = ("abcde-12345-fghij-67890", "ABCDE12345FGHIJ67890XYZ", "ABCDE-12345-FGHIJ-6789!",
                 "ABCDEF-1234-FGHIJ-67890")
    for bad in bad_codes:
        product = make_code().product
        db.session.add(ActivationCode(code=bad, product=product, seats=1, valid_from=utcnow(),
                                      expires_at=utcnow() + timedelta(days=1)))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
