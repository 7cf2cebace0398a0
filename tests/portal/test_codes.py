"""The customer's activation codes through HTTP (FAQ §10-11): every refusal with its own message, the list,
removal with "I agree", 404 for someone else's code, and rate-limited failures."""

from __future__ import annotations

import pytest

from backoffice.extensions import db
from backoffice.models import CodeRegistration
from tests.licensing_helpers import active_holders, audit_actions, count, make_code


@pytest.fixture
def customer(make):
    return make.customer()


@pytest.fixture
def signed_in(app, customer, sign_in_customer):
    return sign_in_customer(app.test_client(), customer)


def add(client, raw):
    return client.post("/codes/add", data={"code": raw})


def test_the_pages_need_a_customer_sign_in(client):
    for url in ("/codes/", "/codes/add", "/codes/1/remove"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_a_code_in_any_shape_is_added_and_the_page_links_to_the_list(signed_in, customer):
    code = make_code(seats=1)
    response = add(signed_in, "  " + code.code.lower().replace("-", " ") + " ")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert code.code in html and 'href="/codes/"' in html and "Go to the list of registered activation codes" in html
    assert active_holders(code) == 1 and audit_actions("code.added") == 1


@pytest.mark.parametrize("case, expected", [
    ("malformed", "This is not an activation code. An activation code has 20 letters and digits"),
    ("unknown", "We do not know the activation code"),
    ("blacklisted", "is blacklisted and cannot be added"),
    ("not_yet_valid", "is not valid yet: you can add it from"),
    ("expired", "has expired; expired codes cannot be added"),
    ("already_yours", "is already on your account"),
    ("transfer_cap_reached", "the most we allow. Contact Technical Support"),
    ("no_seat_left", "Every seat of the activation code"),
])
def test_each_refusal_has_its_own_message_and_writes_nothing(app, make, signed_in, customer, case, expected):
    raw = _code_for(case, app, make, signed_in, customer)
    before = count(CodeRegistration)
    response = add(signed_in, raw)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert expected in html
    assert f'value="{raw}"' in html  # what the customer typed is kept
    assert count(CodeRegistration) == before


def _code_for(case, app, make, signed_in, customer) -> str:
    if case == "malformed":
        return "ABCDE-12345"
    if case == "unknown":
        return "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZ9"
    if case == "blacklisted":
        return make_code(blacklisted=True, expires_in_days=-5).code  # blacklisted wins over expired
    if case == "not_yet_valid":
        return make_code(starts_in_days=5).code
    if case == "expired":
        return make_code(expires_in_days=-1).code
    code = make_code(seats=1)
    if case == "already_yours":
        assert add(signed_in, code.code).status_code == 200
        return code.code
    if case == "no_seat_left":
        from backoffice.security import Actor
        from backoffice.services.licensing.codes import add_code

        other = make.customer()
        assert add_code(other, code.code, Actor("customer", other.id)).added
        return code.code
    # transfer cap: the code moved once, and the cap is one
    from backoffice.security import Actor
    from backoffice.services.licensing.codes import add_code, remove_code

    app.config["CODE_TRANSFERS_PER_WINDOW"] = 1
    first, second = make.customer(), make.customer()
    assert add_code(first, code.code, Actor("customer", first.id)).added
    remove_code(first, db.session.query(CodeRegistration).filter_by(customer_id=first.id).one().id, Actor("customer"))
    assert add_code(second, code.code, Actor("customer", second.id)).added
    remove_code(second, db.session.query(CodeRegistration).filter_by(customer_id=second.id, removed_at=None).one().id,
                Actor("customer"))
    return code.code


def test_the_list_shows_code_date_product_expiry_and_state(make, signed_in, customer):
    active, expiring, listed = make_code(seats=1), make_code(seats=1, expires_in_days=1), make_code(seats=1)
    for code in (active, expiring, listed):
        assert add(signed_in, code.code).status_code == 200
    from datetime import timedelta

    from backoffice.clock import set_now, utcnow
    from backoffice.security import Actor
    from backoffice.services.licensing.blacklist import BlacklistLine, blacklist_codes

    assert blacklist_codes([BlacklistLine(1, listed.code, "leaked", None)], Actor("staff", None, "admin")).ok
    set_now(utcnow() + timedelta(days=2))
    html = signed_in.get("/codes/").get_data(as_text=True)
    for code, state in ((active, "valid"), (expiring, "expired"), (listed, "blacklisted")):
        row = html.split(code.code, 1)[1].split("</tr>", 1)[0]
        assert code.product.name in row and f"state-{state}" in html.split(code.code, 1)[0].rsplit("<tr", 1)[1]
        assert code.expires_at.strftime("%Y-%m-%d") in row


def test_removal_needs_i_agree_and_frees_the_seat(make, sign_in_customer, app, signed_in, customer):
    code = make_code(seats=1)
    add(signed_in, code.code)
    registration = db.session.query(CodeRegistration).filter_by(customer_id=customer.id).one()
    page = signed_in.get(f"/codes/{registration.id}/remove")
    assert page.status_code == 200 and "I agree" in page.get_data(as_text=True)
    refused = signed_in.post(f"/codes/{registration.id}/remove", data={})
    assert refused.status_code == 422 and "Tick" in refused.get_data(as_text=True)
    assert active_holders(code) == 1
    done = signed_in.post(f"/codes/{registration.id}/remove", data={"agree": "y"})
    assert done.status_code == 302 and done.location.endswith("/codes/")
    assert active_holders(code) == 0
    friend = sign_in_customer(app.test_client(), make.customer())
    assert add(friend, code.code).status_code == 200


def test_another_customers_registration_answers_404(make, app, sign_in_customer, signed_in, customer):
    code = make_code(seats=2)
    add(signed_in, code.code)
    registration = db.session.query(CodeRegistration).filter_by(customer_id=customer.id).one()
    intruder = sign_in_customer(app.test_client(), make.customer())
    assert intruder.get(f"/codes/{registration.id}/remove").status_code == 404
    assert intruder.post(f"/codes/{registration.id}/remove", data={"agree": "y"}).status_code == 404
    assert active_holders(code) == 1


def test_failed_adds_are_rate_limited_per_account_and_per_address_and_successes_do_not_count(
        app, make, sign_in_customer, signed_in):
    app.config["CODE_ADD_FAILURES_PER_ACCOUNT"] = "3 per hour"  # read per request
    app.config["CODE_ADD_FAILURES_PER_IP"] = "5 per hour"
    codes = [make_code(seats=1) for _ in range(4)]
    for code in codes:  # successes never count
        assert add(signed_in, code.code).status_code == 200
    for _ in range(3):
        assert add(signed_in, "bad").status_code == 422
    assert add(signed_in, make_code().code).status_code == 429  # this account is out of attempts
    other = sign_in_customer(app.test_client(), make.customer())  # same address, another account
    assert add(other, "bad").status_code == 422
    assert add(other, "bad").status_code == 422
    assert add(other, "bad").status_code == 429  # the address is out of attempts (5 refusals)
    assert signed_in.get("/codes/add").status_code == 200  # only refused POSTs are limited
