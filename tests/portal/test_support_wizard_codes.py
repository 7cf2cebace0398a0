"""Wizard step 2 and the activation code, over HTTP: the customer's own codes for the offered products are
listed with their standing; a key problem needs one; another customer's code or a code of another product is
refused with a message and moves nothing on; the code reaches the review, the ticket and the request page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Ticket, WizardDraft
from tests.licensing_helpers import make_product
from tests.support.code_helpers import blacklist, held_code


@pytest.fixture
def customer(make):
    return make.customer(name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def web(app, customer, sign_in_customer):
    return sign_in_customer(app.test_client(), customer)


def start(web, type_code: str) -> str:
    key = re.search(r"/support/new/([A-Za-z0-9_-]+)/step/1$", web.get("/support/new").location).group(1)
    assert step(web, key, 1, {"type_code": type_code}).status_code == 302
    return key


def step(web, key, number, data=None):
    return web.post(f"/support/new/{key}/step/{number}", data={"action": "next", **(data or {})})


def draft_step(customer, key) -> int:
    db.session.expire_all()
    return db.session.scalar(select(WizardDraft.step).where(WizardDraft.customer_id == customer.id,
                                                            WizardDraft.draft_key == key))


def code_options(page: str) -> dict[str, str]:
    select_html = page.split('<select', 2)[2].split("</select>", 1)[0]  # the second select: the code
    assert 'id="activation_code_id"' in select_html
    return dict(re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html))


def test_a_key_problem_needs_one_of_the_customers_own_codes(web, customer, make):
    product = make_product("Total Security")
    mine, spare = held_code(customer, product), held_code(customer, product, expires_in_days=-1)
    stranger = make.customer(email="mallory@example.com")
    theirs = held_code(stranger, product)
    key = start(web, "license")
    page = web.get(f"/support/new/{key}/step/2").get_data(as_text=True)
    assert '<label for="activation_code_id">Activation code</label>' in page
    assert "Required for this request type" in page
    options = code_options(page)
    assert options[""] == "Choose a code…"
    assert options[str(mine.id)] == f"Total Security: {mine.code}"
    assert options[str(spare.id)] == f"Total Security: {spare.code} (Expired)"  # a renewal is about such a code
    assert str(theirs.id) not in options

    missing = step(web, key, 2, {"product_id": str(product.id)})
    assert missing.status_code == 422
    assert "Choose the activation code your request is about." in missing.get_data(as_text=True)
    refused = step(web, key, 2, {"product_id": str(product.id), "activation_code_id": str(theirs.id)})
    assert refused.status_code == 422
    assert "This activation code is not registered on your account." in refused.get_data(as_text=True)
    assert theirs.code not in refused.get_data(as_text=True)
    for junk in ("abc", "99999999999999999999999", "-1"):
        assert step(web, key, 2, {"product_id": str(product.id), "activation_code_id": junk}).status_code == 422
    assert draft_step(customer, key) == 2  # nothing moved on

    assert step(web, key, 2, {"product_id": str(product.id), "activation_code_id": str(mine.id)}).status_code == 302
    assert step(web, key, 3, {"subject": "Key file lost", "description": "I lost the key file after a reinstall."}
                ).status_code == 302
    assert step(web, key, 4, {"os_name": "Windows 11", "product_version": "21.3.10.391"}).status_code == 302
    review = web.get(f"/support/new/{key}/step/5").get_data(as_text=True)
    assert "Activation code" in review and mine.code in review and "(Valid)" in review
    done = web.post(f"/support/new/{key}/submit")
    assert done.status_code == 302
    ticket = db.session.scalar(select(Ticket).where(Ticket.customer_id == customer.id))
    assert ticket.activation_code_id == mine.id
    request_page = web.get(f"/support/requests/{ticket.number}").get_data(as_text=True)
    assert mine.code in request_page


def test_a_code_of_another_product_is_refused(web, customer):
    chosen, other = make_product("Mobile Security"), make_product("Internet Security")
    held_code(customer, chosen)
    wrong = held_code(customer, other)
    key = start(web, "license")
    refused = step(web, key, 2, {"product_id": str(chosen.id), "activation_code_id": str(wrong.id)})
    assert refused.status_code == 422
    assert ("This code is for Internet Security, not Mobile Security" in refused.get_data(as_text=True))
    assert draft_step(customer, key) == 2


def test_a_code_removed_before_submit_stops_the_submit(web, customer):
    from backoffice.security import Actor
    from backoffice.services.licensing.codes import customer_codes, remove_code

    product = make_product()
    keep, about = held_code(customer, product), held_code(customer, product)
    key = start(web, "license")
    step(web, key, 2, {"product_id": str(product.id), "activation_code_id": str(about.id)})
    step(web, key, 3, {"subject": "Key file lost", "description": "I lost the key file after a reinstall."})
    step(web, key, 4, {"os_name": "Windows 11", "product_version": "21.3.10.391"})
    held = next(h for h in customer_codes(customer.id) if h.code_id == about.id)
    remove_code(customer, held.registration_id, Actor("customer", customer.id, customer.email))
    response = web.post(f"/support/new/{key}/submit")
    assert response.status_code == 302 and response.location.endswith("/step/2")
    assert db.session.scalar(select(Ticket.id).where(Ticket.customer_id == customer.id)) is None
    options = code_options(web.get(f"/support/new/{key}/step/2").get_data(as_text=True))
    assert str(keep.id) in options and str(about.id) not in options  # the other code is still there to choose


def test_the_code_is_optional_for_other_types_and_shows_its_standing(web, customer):
    product = make_product("Anti-Virus")
    ok, listed = held_code(customer, product), held_code(customer, product)
    blacklist(listed, "leaked", None)
    key = start(web, "application")
    page = web.get(f"/support/new/{key}/step/2").get_data(as_text=True)
    options = code_options(page)
    assert options[""] == "No particular code" and "Optional" in page
    assert options[str(listed.id)].endswith("(Blacklisted: Leaked (published))")
    assert step(web, key, 2, {"product_id": str(product.id)}).status_code == 302
    assert options[str(ok.id)] == f"Anti-Virus: {ok.code}"
    assert draft_step(customer, key) == 3


def test_an_expired_licence_can_be_the_subject_of_a_key_problem_but_not_of_other_requests(web, customer):
    """Renewing an expired licence is what "Key problem / License expiration" is for: any code held opens it."""
    product = make_product("Internet Security")
    expired = held_code(customer, product, starts_in_days=-400, expires_in_days=-5)
    key = start(web, "license")
    page = web.get(f"/support/new/{key}/step/2").get_data(as_text=True)
    assert "Internet Security" in page and "even an expired one" in page
    assert step(web, key, 2, {"product_id": str(product.id), "activation_code_id": str(expired.id)}).status_code == 302
    assert draft_step(customer, key) == 3
    other = start(web, "application")
    assert "Internet Security" not in web.get(f"/support/new/{other}/step/2").get_data(as_text=True)
    refused = step(web, other, 2, {"product_id": str(product.id)})
    assert refused.status_code == 422 and "no active activation code" in refused.get_data(as_text=True)
