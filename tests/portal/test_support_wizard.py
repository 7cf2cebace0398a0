"""The request wizard over HTTP: each step's bad input (message beside the field, typed values kept), Back,
the 413 before the body is read, idempotent submit, the number page and the confirmation mail."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Attachment, Ticket, WizardDraft
from tests.support.helpers import product_with_code

MB = 1024 * 1024


@pytest.fixture
def customer(make):
    return make.customer(name="Ada Lovelace")


@pytest.fixture
def web(app, customer, sign_in_customer):
    return sign_in_customer(app.test_client(), customer)


def start(web) -> str:
    response = web.get("/support/new")
    assert response.status_code == 302
    match = re.search(r"/support/new/([A-Za-z0-9_-]+)/step/1$", response.location)
    assert match
    return match.group(1)


def step(web, key, number, data=None, **kwargs):
    return web.post(f"/support/new/{key}/step/{number}", data={"action": "next", **(data or {})}, **kwargs)


def test_step_one_requires_a_type_and_lists_the_eight(web):
    key = start(web)
    page = web.get(f"/support/new/{key}/step/1").get_data(as_text=True)
    for name in ("General question", "Application problem", "Key problem / License expiration",
                 "Suggestions for future versions", "Virus disinfection", "AV-bases Updates problem",
                 "Pre-sale question", "Problems with Setup / Remove application"):
        assert name in page
    assert "Step 1 of 5" in page
    response = step(web, key, 1)
    assert response.status_code == 422
    assert "Choose the type of your request." in response.get_data(as_text=True)
    assert web.get(f"/support/new/{key}/step/3").location.endswith("/step/1")  # no skipping ahead


def test_step_two_lists_only_products_with_an_active_code(web, customer):
    mine = product_with_code(customer, "Total Security")
    expired = product_with_code(customer, "Old Product", expired=True)
    key = start(web)
    step(web, key, 1, {"type_code": "general"})
    page = web.get(f"/support/new/{key}/step/2").get_data(as_text=True)
    assert "Total Security" in page and "Old Product" not in page
    response = step(web, key, 2, {"product_id": str(expired.id)})
    assert response.status_code == 422
    assert "no active activation code for this product" in response.get_data(as_text=True)
    response = step(web, key, 2, {"product_id": ""})
    assert "Choose the product your request is about." in response.get_data(as_text=True)
    assert step(web, key, 2, {"product_id": str(mine.id)}).location.endswith("/step/3")


def test_step_two_without_codes_says_add_a_code(web):
    key = start(web)
    step(web, key, 1, {"type_code": "application"})
    page = web.get(f"/support/new/{key}/step/2").get_data(as_text=True)
    assert "add a code" in page and 'href="/codes/"' in page


def test_step_three_keeps_what_was_typed_and_says_what_is_wrong(web):
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    response = step(web, key, 3, {"subject": "Hi", "description": "A description long enough to pass."})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write a subject of at least 5 characters." in page
    assert "A description long enough to pass." in page
    # a reload shows the same values: they live on the server
    assert "A description long enough to pass." in web.get(f"/support/new/{key}/step/3").get_data(as_text=True)


def test_step_three_file_limits(web, app):
    app.config.update(ATTACHMENT_MAX_BYTES=1000, ATTACHMENTS_TOTAL_MAX_BYTES=1500)
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    text = {"subject": "Invoice question", "description": "Please see the attached invoice copy."}
    response = step(web, key, 3, {**text, "files": (io.BytesIO(b"x" * 1001), "big.pdf")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    assert "“big.pdf” is larger than 1000 bytes" in response.get_data(as_text=True)
    ok = step(web, key, 3, {**text, "files": (io.BytesIO(b"x" * 900), "one.pdf")}, content_type="multipart/form-data")
    assert ok.status_code == 302
    response = step(web, key, 3, {**text, "files": (io.BytesIO(b"y" * 900), "two.pdf")},
                    content_type="multipart/form-data")
    assert "over the total of 1.46 KB" in response.get_data(as_text=True)


def test_an_oversized_body_gets_a_413_page_stating_the_limit(web, app):
    app.config.update(ATTACHMENT_MAX_BYTES=1000, ATTACHMENTS_TOTAL_MAX_BYTES=1000)
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    response = step(web, key, 3, {"subject": "Big file", "description": "The attached file is too large.",
                                  "files": (io.BytesIO(b"x" * 400_000), "huge.bin")},
                    content_type="multipart/form-data")
    assert response.status_code == 413  # refused from the declared length: the body was never parsed
    assert "limit of 1000 bytes together" in response.get_data(as_text=True)
    assert web.get(f"/support/new/{key}/step/3").status_code == 200  # the draft is still there


def test_step_four_checks_os_and_version_shapes(web):
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    step(web, key, 3, {"subject": "Licence price", "description": "How much for five computers, please?"})
    response = step(web, key, 4, {"os_name": "BeOS", "product_version": "21.3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose your operating system." in page
    assert "for example 21.3.10.391" in page and 'value="21.3"' in page
    assert step(web, key, 4, {"os_name": "Windows 11", "product_version": "21.3.10.391"}).location.endswith("/step/5")


def test_back_keeps_the_later_step_and_the_review_shows_everything(web):
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    response = web.post(f"/support/new/{key}/step/3", data={"action": "back", "subject": "Typed then back"})
    assert response.location.endswith("/step/2")
    assert "Typed then back" in web.get(f"/support/new/{key}/step/3").get_data(as_text=True)


def _complete(web, key):
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    step(web, key, 3, {"subject": "Licence price", "description": "How much for five computers, please?",
                       "files": (io.BytesIO(b"%PDF-1.4 quote"), "quote.pdf")}, content_type="multipart/form-data")
    step(web, key, 4, {"os_name": "Windows 11", "product_version": "21.3.10.391",
                       "sysinfo": (io.BytesIO(b"report"), "GSI.zip")}, content_type="multipart/form-data")


def test_submit_twice_makes_one_request_shows_the_number_and_mails_it(smtp, app, customer, sign_in_customer):
    from backoffice.mail import deliver_due

    web = sign_in_customer(app.test_client(), customer)
    key = start(web)
    _complete(web, key)
    review = web.get(f"/support/new/{key}/step/5").get_data(as_text=True)
    assert "quote.pdf" in review and "GSI.zip" in review and "How much for five computers" in review
    first = web.post(f"/support/new/{key}/submit")
    second = web.post(f"/support/new/{key}/submit")
    assert first.location == second.location
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    ticket = db.session.scalar(select(Ticket))
    page = web.get(first.location, follow_redirects=True).get_data(as_text=True)
    assert f"Its number is {ticket.number}" in page
    assert "quote.pdf" in page and "GSI.zip" in page
    deliver_due()
    mail = smtp.wait_for(1)[0]
    assert ticket.number in mail["Subject"] and ticket.number in smtp.text_of(mail)
    # going back into the submitted wizard leads to the request, not to a second one
    assert web.get(f"/support/new/{key}/step/3").location.endswith(f"/support/new/{key}/done")
    assert db.session.scalar(select(WizardDraft.ticket_id)) == ticket.id


def test_a_draft_id_is_per_customer(web, app, make, sign_in_customer):
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    other = sign_in_customer(app.test_client(), make.customer())
    page = other.get(f"/support/new/{key}/step/1").get_data(as_text=True)
    assert 'checked' not in page  # the other customer starts an empty draft under the same id
    assert other.get("/support/new/not-a-key/step/1").status_code == 404


def test_step_two_asks_for_the_captcha_when_it_is_on(web, app):
    from backoffice.portal.captcha import SESSION_KEY
    from backoffice.services.captcha import new_challenge

    app.config["CAPTCHA_ENABLED"] = True
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    page = web.get(f"/support/new/{key}/step/2").get_data(as_text=True)
    assert "/captcha.png" in page
    response = step(web, key, 2, {"product_id": ""})
    assert response.status_code == 422
    assert "Type the characters you see in the picture." in response.get_data(as_text=True)
    assert web.get(f"/support/new/{key}/step/3").location.endswith("/step/2")  # not past the captcha
    challenge_id, answer = new_challenge()
    with web.session_transaction() as session:
        session[SESSION_KEY] = challenge_id
    assert step(web, key, 2, {"product_id": "", "captcha": answer.lower()}).location.endswith("/step/3")


def _stored_blobs(app) -> list:
    from pathlib import Path

    root = Path(app.config["STORAGE_DIR"])
    return [path for path in root.rglob("*") if path.is_file() and "tmp" not in path.parts]


def test_a_refused_step_stores_none_of_its_files(web, app):
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    response = step(web, key, 3, {"subject": "Hi", "description": "Too short a subject, and a file along.",
                                  "files": (io.BytesIO(b"x" * 900_000), "scan.pdf")},
                    content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write a subject of at least 5 characters." in page and "Attach the file again" in page
    assert _stored_blobs(app) == []
    draft = db.session.scalars(select(WizardDraft)).one()
    assert draft.data["description"] == "Too short a subject, and a file along."
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize("subject, message", [
    ("Printer\x00driver", "This contains a NUL character"),
    ("Printer\udcffdriver", "not valid UTF-8"),
    ("x" * 1001, "at most 1,000 characters"),
])
def test_text_the_boundary_refuses_saves_nothing_of_the_step(web, subject, message):
    key = start(web)
    step(web, key, 1, {"type_code": "presale"})
    step(web, key, 2, {"product_id": ""})
    step(web, key, 3, {"subject": "Licence price", "description": "How much for five computers, please?"})
    if "\udcff" in subject:  # the raw byte 0xFF, as a browser would send text that is not UTF-8
        response = web.post(f"/support/new/{key}/step/3", data="action=next&description=Still+fine+text+here"
                            "&subject=Printer%FFdriver", content_type="application/x-www-form-urlencoded")
    else:
        response = step(web, key, 3, {"subject": subject, "description": "Still fine text here"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    draft = db.session.scalars(select(WizardDraft)).one()
    assert draft.data["subject"] == "Licence price"  # the last good save stands
