"""Console sign-in and sign-out: audited, one generic message, lockout, rate limit, safe redirects, sessions
that end when the account is deactivated or its role changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import AuditEvent, StaffUser
from backoffice.security import Actor
from backoffice.services import staff as staff_service
from tests.conftest import form_token
from tests.factories import PASSWORD

GENERIC = "Invalid e-mail or password."


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def _signed_in(client) -> bool:
    response = client.get("/console/")
    return response.status_code == 200


def test_sign_in_redirects_to_the_dashboard_and_is_audited(make, console, client):
    staff = make.staff("support")
    response = console.login(staff.email.upper(), PASSWORD)  # e-mail case does not matter
    assert response.status_code == 302
    assert response.location == "/console/"
    page = client.get("/console/").get_data(as_text=True)
    assert f"Signed in as {staff.name}." in page
    [event] = _events("staff.login")
    assert (event.actor_type, event.object_id, event.actor_label, event.ip) == (
        "anonymous", str(staff.id), staff.email, "127.0.0.1")
    assert db.session.get(StaffUser, staff.id).last_login_at is not None


def test_the_login_page_has_labelled_fields(client):
    page = client.get("/console/login").get_data(as_text=True)
    assert '<label for="email">' in page and '<label for="password">' in page
    assert "Sign in to the console" in page


def test_wrong_password_and_unknown_email_look_exactly_the_same(make, console):
    staff = make.staff("admin", email="known@staff.example.com")
    wrong = console.login(staff.email, "not the password")
    unknown = console.login("nobody@staff.example.com", "not the password")

    assert wrong.status_code == unknown.status_code == 200
    wrong_page = wrong.get_data(as_text=True).replace("known@staff.example.com", "ADDRESS")
    unknown_page = unknown.get_data(as_text=True).replace("nobody@staff.example.com", "ADDRESS")
    assert GENERIC in wrong_page
    assert wrong_page == unknown_page
    assert 'value="ADDRESS"' in wrong_page  # what was typed is kept
    failed = _events("staff.login_failed")
    assert [e.after["email"] for e in failed] == ["known@staff.example.com", "nobody@staff.example.com"]
    assert failed[0].object_id == str(staff.id) and failed[1].object_id is None
    assert _events("staff.login") == []


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_wrong_password_pages_differ_only_in_the_csrf_token(csrf_on, app, make):
    make.staff("admin", email="known@staff.example.com")
    pages = []
    for email in ("known@staff.example.com", "nobody@staff.example.com"):
        client = app.test_client()
        token = form_token(client.get("/console/login").get_data(as_text=True))
        page = client.post("/console/login", data={"email": email, "password": "nope", "csrf_token": token})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        pages.append(html.replace(form_token(html), "TOKEN").replace(email, "ADDRESS"))
    assert GENERIC in pages[0]
    assert pages[0] == pages[1]


@pytest.fixture
def lockout_after_3(app_config):
    app_config["STAFF_LOCKOUT_FAILURES"] = 3


def test_lockout_after_repeated_failures_deactivates_audits_and_mails(lockout_after_3, smtp, app, make, console):
    staff = make.staff("analyst", name="Lou Lockout")
    for _ in range(3):
        assert GENERIC in console.login(staff.email, "guess").get_data(as_text=True)
    response = console.login(staff.email, PASSWORD)  # the right password no longer helps
    assert GENERIC in response.get_data(as_text=True)

    db.session.expire_all()
    locked = db.session.get(StaffUser, staff.id)
    assert locked.is_active is False
    [event] = _events("staff.locked_out")
    assert event.object_id == str(staff.id) and event.after == {"failed_logins": 3}
    assert len(_events("staff.login_failed")) == 4
    deliver_due()
    [mail] = smtp.messages
    assert mail["To"] == staff.email and "locked" in mail["Subject"]


def test_a_successful_sign_in_resets_the_failure_count(lockout_after_3, app, make, console):
    staff = make.staff("support")
    console.login(staff.email, "guess")
    console.login(staff.email, "guess")
    assert console.login(staff.email, PASSWORD).status_code == 302
    console.logout()
    console.login(staff.email, "guess")
    console.login(staff.email, "guess")
    db.session.expire_all()
    assert db.session.get(StaffUser, staff.id).is_active is True


@pytest.fixture
def strict_rate_limit(app_config):
    app_config["STAFF_LOGIN_RATE_LIMIT"] = "3 per minute"


def test_sign_in_attempts_are_rate_limited(strict_rate_limit, app, make, console, client):
    staff = make.staff("support")
    for _ in range(3):
        assert console.login(staff.email, "guess").status_code == 200
    limited = console.login(staff.email, PASSWORD)
    assert limited.status_code == 429
    page = limited.get_data(as_text=True)
    assert "Too many requests" in page and "Wait a minute" in page
    assert not _signed_in(client)
    assert client.get("/console/login").status_code == 200  # only POSTs count
    assert len(_events("staff.login_failed")) == 3  # the refused attempt never reached the service


def test_logout_is_post_only_and_audited(make, console, client):
    staff = make.staff("admin")
    console.login(staff.email, PASSWORD)
    assert client.get("/console/logout").status_code == 405
    assert _signed_in(client)

    response = console.logout()
    assert response.status_code == 302 and response.location == "/console/login"
    assert not _signed_in(client)
    [event] = _events("staff.logout")
    assert event.actor_id == staff.id and event.object_id == str(staff.id)


NEXT_TARGETS = [
    ("/console/customers/?search=abc", "/console/customers/?search=abc"),
    ("/console/audit/", "/console/audit/"),
    ("https://evil.example.com/console/", "/console/"),
    ("//evil.example.com/console/", "/console/"),
    ("/\\evil.example.com/console", "/console/"),
    ("\\\\evil.example.com/console", "/console/"),
    ("javascript:alert(1)", "/console/"),
    ("/portal/profile", "/console/"),
    ("/console/\r\nSet-Cookie: x=1", "/console/"),
    ("\t//evil.example.com/console/", "/console/"),
]


def test_next_only_follows_same_site_console_paths(app):
    from backoffice.console.auth import _safe_next

    with app.test_request_context():
        assert [_safe_next(target) for target, _ in NEXT_TARGETS] == [expected for _, expected in NEXT_TARGETS]


@pytest.mark.parametrize("target, expected", [NEXT_TARGETS[0], NEXT_TARGETS[3]])
def test_sign_in_redirects_only_to_a_safe_next(make, client, target, expected):
    staff = make.staff("admin")
    response = client.post("/console/login", query_string={"next": target},
                           data={"email": staff.email, "password": PASSWORD})
    assert (response.status_code, response.location) == (302, expected)


def test_a_next_with_a_line_break_is_refused_before_sign_in(make, client):
    """The input boundary refuses a control character in any query argument: no header is ever built from it."""
    staff = make.staff("admin")
    response = client.post("/console/login", query_string={"next": NEXT_TARGETS[8][0]},
                           data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400 and "Set-Cookie" not in response.headers
    assert "Check the link" in response.get_data(as_text=True)


def test_an_anonymous_visit_comes_back_after_sign_in(make, client):
    staff = make.staff("admin")
    first = client.get("/console/staff/")
    login_url = first.location
    response = client.post(login_url, data={"email": staff.email, "password": PASSWORD})
    assert response.location == "/console/staff/"


def test_a_deactivated_staff_users_session_stops_working(make, app, console, client):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    assert _signed_in(client)
    admin = make.staff("admin")
    staff_service.update_staff(staff, {"is_active": False}, Actor("staff", admin.id, admin.email))
    response = client.get("/console/customers/")
    assert response.status_code == 302 and response.location.startswith("/console/login")


def test_the_active_flag_alone_ends_a_session(make, console, client):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    staff.is_active = False  # even without a new session epoch
    db.session.commit()
    assert not _signed_in(client)


def test_a_role_change_signs_the_users_sessions_out(make, app, console, client):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    other_device = app.test_client()
    other_device.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    assert _signed_in(client) and _signed_in(other_device)

    admin = make.staff("admin")
    staff_service.update_staff(staff, {"role": "analyst"}, Actor("staff", admin.id, admin.email))

    assert not _signed_in(client) and not _signed_in(other_device)
    console.login(staff.email, PASSWORD)
    assert client.get("/console/customers/").status_code == 200  # signs in again with the new role
    assert client.get("/console/staff/").status_code == 403


def test_a_signed_in_staff_user_visiting_the_login_page_goes_to_the_dashboard(make, console, client):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    response = client.get("/console/login")
    assert response.status_code == 302 and response.location == "/console/"
