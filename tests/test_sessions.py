"""Sessions recorded on the server: a cookie copied before signing out opens nothing afterwards, on the portal and
in the console, remember-me cookie included; signing out ends only that browser's session."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import LoginSession
from tests.factories import PASSWORD


def cookies_of(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def replay(app, cookies: dict[str, str]):
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def test_a_portal_cookie_replayed_after_sign_out_gets_the_sign_in_page(app, make):
    customer = make.customer()
    browser = app.test_client()
    other_browser = app.test_client()
    for client in (browser, other_browser):
        client.post("/login", data={"email": customer.email, "password": PASSWORD, "remember": "y"})
    stolen = cookies_of(browser)
    assert "remember_token" in stolen and replay(app, stolen).get("/account/profile").status_code == 200

    browser.post("/logout")

    for cookies in (stolen, {"remember_token": stolen["remember_token"]}):
        response = replay(app, cookies).get("/account/profile")
        assert response.status_code == 302 and "/login" in response.location
    assert other_browser.get("/account/profile").status_code == 200  # only that browser's session ended
    sessions = db.session.scalars(select(LoginSession).where(LoginSession.account_id == customer.id)).all()
    assert sorted(s.ended_at is None for s in sessions) == [False, True]


def test_a_console_cookie_replayed_after_sign_out_gets_the_console_sign_in(app, make):
    staff = make.staff("support")
    browser = app.test_client()
    browser.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    stolen = cookies_of(browser)
    assert replay(app, stolen).get("/console/").status_code == 200

    browser.post("/console/logout")

    response = replay(app, stolen).get("/console/")
    assert response.status_code == 302 and "/console/login" in response.location
    [session] = db.session.scalars(select(LoginSession).where(LoginSession.kind == "staff")).all()
    assert session.ended_at is not None and session.ip == "127.0.0.1"
