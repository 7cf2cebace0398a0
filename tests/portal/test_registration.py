"""Registration to activation to sign-in, through the real forms and a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.models import AuditEvent, Customer, CustomerStatus, Job, OneTimeToken
from backoffice.services.registration import REGISTER_JOB
from tests.portal.mailbox import deliver, link_in, only_message_to

PASSWORD = "violet kettle orbit"
PROFILE = {"name": "Nora Nilsson", "country": "SE", "city": "Uppsala", "address": "Dragarbrunnsgatan 1",
           "phone": "018 471 00 00", "company": "", "company_address": "", "company_admin_email": ""}


@pytest.fixture
def relaxed_limits(app_config):
    app_config["ACCOUNT_MAIL_RATE_LIMIT"] = "100 per minute"


def register(client, email="nora@example.com", password=PASSWORD, confirm=None, terms="y"):
    data = {"email": email, "password": password, "confirm": confirm or password}
    if terms:
        data["terms"] = terms
    return client.post("/register", data=data)


def test_register_activate_from_the_mail_fill_the_profile_and_sign_in(smtp, client):
    response = register(client)
    assert response.status_code == 200
    assert "Check your mail" in response.text
    # the request only queued the job that answers: no account yet, and none of the password in the queue after
    assert db.session.scalar(select(Customer).where(Customer.email == "nora@example.com")) is None

    mail = only_message_to(deliver(smtp), "nora@example.com")
    customer = db.session.scalar(select(Customer).where(Customer.email == "nora@example.com"))
    assert customer.status == CustomerStatus.PENDING and customer.terms_accepted_at is not None
    assert all("password_hash" not in job.payload for job in db.session.scalars(select(Job)))
    assert mail["Subject"] == "Activate your account"
    link = link_in(mail, "/activate/")
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalars(select(OneTimeToken.token_hash)).all()
    assert token not in stored and len(stored) == 1  # only the hash is kept

    page = client.get(link)
    assert page.status_code == 200 and "Activate your account" in page.text
    assert '<label for="country">' in page.text and '<option value="SE">Sweden</option>' in page.text
    response = client.post(link, data={**PROFILE, "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(customer)
    assert customer.status == CustomerStatus.ACTIVE
    assert (customer.name, customer.country, customer.phone) == ("Nora Nilsson", "SE", "+46184710000")
    assert "Welcome to My Account" in client.get("/").text  # signed in straight away

    client.post("/logout")
    response = client.post("/login", data={"email": "Nora@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert "nora@example.com" in home.text and "Sign out" in home.text
    assert "Customer profile" in home.text


def test_activation_form_keeps_what_was_typed_and_shows_errors_beside_fields(smtp, client):
    register(client)
    link = link_in(only_message_to(deliver(smtp), "nora@example.com"), "/activate/")
    response = client.post(link, data={**PROFILE, "phone": "12", "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter a valid telephone number" in response.text
    assert 'value="Uppsala"' in response.text and 'value="Nora Nilsson"' in response.text
    assert '<option selected value="SE">' in response.text
    response = client.post(link, data={**PROFILE, "password": "not the password"})
    assert "This is not the password you chose" in response.text
    assert db.session.scalar(select(Customer.status)) == CustomerStatus.PENDING  # nothing written
    assert client.post(link, data={**PROFILE, "password": PASSWORD}).status_code == 302


def test_registration_refusals_keep_the_address_and_say_why(relaxed_limits, client):
    cases = [
        ({"password": "short1"}, "Use at least 10 characters."),
        ({"password": "1234567890"}, "one of the most common"),
        ({"password": "Password123"}, "one of the most common"),
        ({"email": "margarethe@example.com", "password": "xMargarethe-77"}, "name part of your e-mail"),
        ({"confirm": "something else entirely"}, "The two passwords differ."),
        ({"terms": None}, "Accept the terms of use"),
        ({"email": "not-an-address"}, "Enter a valid e-mail address"),
    ]
    for overrides, message in cases:
        args = {"email": "keepme@example.com", **overrides}
        response = register(client, **args)
        assert response.status_code == 200, overrides
        assert message in response.text, overrides
        assert f'value="{args["email"]}"' in response.text, overrides  # what was typed is kept
        assert PASSWORD not in response.text
    assert db.session.scalar(select(func.count(Customer.id))) == 0


def test_registering_a_known_address_answers_the_same_and_mails_the_owner(smtp, client, make):
    make.customer(email="taken@example.com", name="Tom Taken")
    known = register(client, email="taken@example.com")
    unknown = register(client, email="fresh@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("taken@", "X@") == unknown.text.replace("fresh@", "X@")
    messages = deliver(smtp)
    assert only_message_to(messages, "taken@example.com")["Subject"] == "Someone tried to register with your address"
    assert only_message_to(messages, "fresh@example.com")["Subject"] == "Activate your account"
    assert db.session.scalar(select(func.count(Customer.id))) == 2


def test_registering_a_pending_address_again_sends_a_new_link_and_the_old_one_stops(smtp, client):
    register(client)
    first = link_in(only_message_to(deliver(smtp), "nora@example.com"), "/activate/")
    register(client, password="another fine password")
    second_mail = only_message_to(deliver(smtp), "nora@example.com")
    second = link_in(second_mail, "/activate/")
    assert "register again" in second_mail.get_body(("plain",)).get_content()
    assert client.get(first).status_code == 404
    # the original password still holds: a stranger typing the address cannot set it
    assert client.post(second, data={**PROFILE, "password": PASSWORD}).status_code == 302


def test_expired_reused_and_forged_activation_links_are_refused(smtp, client):
    register(client)
    link = link_in(only_message_to(deliver(smtp), "nora@example.com"), "/activate/")
    assert client.get(link[:-3] + "abc").status_code == 404  # forged
    assert client.get("/activate/" + "x" * 300).status_code == 404
    set_now(utcnow() + timedelta(days=5, minutes=1))
    expired = client.get(link)
    assert expired.status_code == 404 and "not valid" in expired.text
    assert client.post(link, data={**PROFILE, "password": PASSWORD}).status_code == 404
    set_now(None)
    assert client.post(link, data={**PROFILE, "password": PASSWORD}).status_code == 302
    client.post("/logout")
    assert client.get(link).status_code == 404  # reused


def test_purge_deletes_only_accounts_pending_past_five_days_and_is_idempotent(app, runner, make, caplog):
    now = utcnow()
    old = make.customer(status=CustomerStatus.PENDING, created_at=now - timedelta(days=5, hours=1))
    young = make.customer(status=CustomerStatus.PENDING, created_at=now - timedelta(days=4))
    active = make.customer(status=CustomerStatus.ACTIVE, created_at=now - timedelta(days=50))
    old_id = old.id
    with caplog.at_level("INFO", logger="backoffice.registration"):
        result = runner.invoke(args=["purge-unactivated"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 account(s)" in result.output
    assert "purged 1 account(s)" in caplog.text
    remaining = set(db.session.scalars(select(Customer.id)))
    assert remaining == {young.id, active.id}
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "customer.purged_unactivated")) \
        ["count"] == 1
    again = runner.invoke(args=["purge-unactivated"])
    assert "Deleted 0 account(s)" in again.output
    assert old_id not in set(db.session.scalars(select(Customer.id)))


@pytest.fixture
def captcha_on(app_config):
    app_config["CAPTCHA_ENABLED"] = True


def test_registration_demands_the_picture_captcha_when_it_is_on(captcha_on, client):
    from backoffice.models import CaptchaChallenge
    from backoffice.services import captcha as captcha_service

    page = client.get("/register")
    assert '<label for="captcha">Characters in the picture' in page.text
    assert "Type the characters you see" in register(client).text
    client.get("/captcha.png")
    with client.session_transaction() as session:
        challenge = db.session.get(CaptchaChallenge, session["captcha_id"])
    challenge.answer_hash = captcha_service._digest("ABC123")  # what a person would read off the picture
    db.session.commit()
    response = client.post("/register", data={"email": "nora@example.com", "password": PASSWORD,
                                              "confirm": PASSWORD, "terms": "y", "captcha": "abc123"})
    assert "Check your mail" in response.text
    assert db.session.scalar(select(func.count(Job.id)).where(Job.kind == REGISTER_JOB)) == 1
