"""Signing in and out: remember me, one generic error, rate limits, the captcha after repeated failures."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, CaptchaChallenge, CustomerStatus
from backoffice.services import captcha as captcha_service
from tests.factories import PASSWORD


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_sign_in_remember_me_and_sign_out(client, make):
    customer = make.customer(email="ann@example.com")
    response = sign_in(client, "ann@example.com", remember="y")
    assert response.status_code == 302
    assert any(cookie.key == "remember_token" for cookie in client._cookies.values())
    assert "ann@example.com" in client.get("/account/profile").text
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/account/profile").headers["Location"].startswith("/login?next=/account/profile")
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(customer.id))).all()
    assert actions == ["customer.login", "customer.logout"]


def test_wrong_password_and_unknown_address_get_the_same_generic_error(client, make):
    make.customer(email="ann@example.com")
    wrong = sign_in(client, "ann@example.com", "not the password")
    unknown = sign_in(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Invalid e-mail or password." in wrong.text
    assert wrong.text.replace("ann@", "X@") == unknown.text.replace("nobody@", "X@")
    assert 'value="ann@example.com"' in wrong.text  # the address is kept, the password is not
    assert "not the password" not in wrong.text


def test_pending_and_locked_accounts_are_told_why_only_with_the_right_password(client, make):
    make.customer(email="pending@example.com", status=CustomerStatus.PENDING)
    make.customer(email="locked@example.com", status=CustomerStatus.LOCKED)
    assert "not activated yet" in sign_in(client, "pending@example.com").text
    assert "is locked" in sign_in(client, "locked@example.com").text
    assert "Invalid e-mail or password." in sign_in(client, "locked@example.com", "guess guess guess").text
    assert client.get("/account/profile").status_code == 302  # still anonymous


def test_next_is_followed_only_within_the_portal(client, make):
    make.customer(email="ann@example.com")
    assert sign_in(client, "ann@example.com").headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=//evil.example.com/x", data={"email": "ann@example.com",
                                                                      "password": PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post("/login?next=/account/password", data={"email": "ann@example.com", "password": PASSWORD})
    assert response.headers["Location"] == "/account/password"


@pytest.fixture
def captcha_on(app_config):
    app_config["CAPTCHA_ENABLED"] = True
    app_config["CUSTOMER_LOGIN_ACCOUNT_RATE_LIMIT"] = "20 per minute"  # this test is about the captcha


def test_captcha_is_demanded_after_three_failures_for_known_and_unknown_addresses(captcha_on, client, make):
    make.customer(email="ann@example.com")
    assert "Characters in the picture" not in client.get("/login").text
    for _ in range(3):
        sign_in(client, "ann@example.com", "wrong wrong wrong")
    page = sign_in(client, "ann@example.com")  # the right password, but no captcha answer
    assert page.status_code == 200 and "Type the characters you see in the picture." in page.text
    assert '<img src="/captcha.png' in page.text

    picture = client.get("/captcha.png")
    assert picture.status_code == 200 and picture.mimetype == "image/png" and picture.data[:4] == b"\x89PNG"
    challenge_id = _session_captcha(client)
    # the server knows the answer only as an HMAC: a wrong answer spends the challenge
    wrong = sign_in(client, "ann@example.com", captcha="WRONG1")
    assert "did not match the picture" in wrong.text
    assert db.session.get(CaptchaChallenge, challenge_id) is None

    client.get("/captcha.png")
    answer = _solve_current(client)
    assert sign_in(client, "ann@example.com", captcha=answer).status_code == 302


def _session_captcha(client) -> int:
    with client.session_transaction() as session:
        return session["captcha_id"]


def _solve_current(client) -> str:
    """Replace the current challenge's answer by a known one, as a person reading the picture would know it."""
    challenge_id = _session_captcha(client)
    challenge = db.session.get(CaptchaChallenge, challenge_id)
    challenge.answer_hash = captcha_service._digest("K7P3QX")
    db.session.commit()
    return "k7p3qx"  # not case-sensitive


def test_unknown_address_earns_the_captcha_exactly_like_a_known_one(captcha_on, client):
    for _ in range(3):
        sign_in(client, "ghost@example.com", "wrong wrong wrong")
    assert "Characters in the picture" in sign_in(client, "ghost@example.com", "x").text


def test_captcha_answers_are_single_use_and_expire(app):
    challenge_id, text = captcha_service.new_challenge()
    assert re.fullmatch(r"[A-Z0-9]{6}", text)
    assert captcha_service.solve(challenge_id, text.lower())
    assert not captcha_service.solve(challenge_id, text)  # replaying the same cookie does not work
    from datetime import timedelta

    from backoffice.clock import set_now, utcnow

    challenge_id, text = captcha_service.new_challenge()
    set_now(utcnow() + timedelta(minutes=11))
    assert not captcha_service.solve(challenge_id, text)


@pytest.fixture
def tight_limits(app_config):
    app_config["CUSTOMER_LOGIN_ACCOUNT_RATE_LIMIT"] = "4 per minute"
    app_config["CUSTOMER_LOGIN_RATE_LIMIT"] = "6 per minute"


def test_rate_limits_per_account_and_per_client_address(tight_limits, client, make):
    make.customer(email="ann@example.com")
    codes = [sign_in(client, "ann@example.com", "wrong wrong wrong").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    # other addresses from the same client still get through, until the per-address limit
    codes = [sign_in(client, f"other{n}@example.com", "x").status_code for n in range(3)]
    assert codes == [200, 200, 429]
    # another client can still sign in to the account hammered above? no: the account limit holds for everyone
    other_client = client.application.test_client()
    response = other_client.post("/login", data={"email": "ann@example.com", "password": PASSWORD},
                                 environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
