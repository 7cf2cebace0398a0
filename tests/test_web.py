"""What every response shares: security headers, error pages, CSRF on every console form, session cookies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, StaffUser
from tests.conftest import form_token
from tests.factories import PASSWORD


def _assert_security_headers(response) -> None:
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'", csp)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_security_headers_on_every_kind_of_response(make, console, client):
    staff = make.staff("admin")
    responses = [
        client.get("/"),  # portal page
        client.get("/console/login"),  # console page
        client.get("/console/"),  # redirect to the login
        client.get("/no/such/page"),  # error page
        client.get("/static/site.css"),  # static file
        console.login(staff.email, "wrong"),  # a form answer
        console.login(staff.email, PASSWORD),  # redirect after sign-in
        client.get("/console/"),  # Flask-Admin page
        client.get("/console/customers/"),
    ]
    for response in responses:
        _assert_security_headers(response)
    assert [r.status_code for r in responses] == [200, 200, 302, 404, 200, 200, 302, 200, 200]
    assert responses[3].headers["Cache-Control"] == "no-store"


def test_each_response_gets_its_own_nonce_and_scripts_carry_it(make, console, client):
    staff = make.staff("admin")
    console.login(staff.email, PASSWORD)
    first, second = client.get("/console/"), client.get("/console/")
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1]
    page = second.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", page)
    inline = [tag for tag in scripts if "src=" not in tag]
    assert all(f'nonce="{nonces[1]}"' in tag for tag in inline)
    assert all("//" not in tag or "src=\"/" in tag for tag in scripts)  # assets served locally, no CDN


@pytest.fixture
def failing_route(app):
    def explode():
        raise RuntimeError("boom")

    app.add_url_rule("/test-only/explode", "test_only_explode", explode)


def test_unexpected_errors_render_the_500_page_and_are_logged(failing_route, client, caplog):
    response = client.get("/test-only/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "It has been logged" in page
    assert "boom" not in page  # no internals shown
    assert "unhandled error on GET /test-only/explode" in caplog.text
    _assert_security_headers(response)


def test_404_page(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_403_page(make, console, client):
    staff = make.staff("analyst")
    console.login(staff.email, PASSWORD)
    response = client.get("/console/staff/")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Access denied" in page and "does not have access" in page


def test_400_page_for_a_form_without_its_csrf_token(csrf_on, app, make, client):
    staff = make.staff("admin")
    response = client.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bad request" in page and "The form expired or was sent from another site" in page


def test_405_page(client):
    response = client.get("/console/logout")
    assert response.status_code == 405
    assert "Method not allowed" in response.get_data(as_text=True)


@pytest.fixture
def small_uploads(app_config):
    app_config["MAX_CONTENT_LENGTH"] = 1024


def test_413_page_states_the_limit(small_uploads, app, client):
    response = client.post("/console/login", data={"email": "a@example.com", "password": "x" * 5000})
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "File too large" in page
    assert "larger than the limit of 1 KB" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("size, text", [(512, "512 bytes"), (1024, "1 KB"), (2 * 1024 * 1024, "2 MB"),
                                        (40 * 1024 * 1024, "40 MB"), (1536 * 1024, "1.5 MB")])
def test_limits_are_stated_in_readable_units(size, text):
    from backoffice.web import format_bytes

    assert format_bytes(size) == text


@pytest.fixture
def strict_rate_limit(app_config):
    app_config["STAFF_LOGIN_RATE_LIMIT"] = "1 per minute"


def test_429_page(strict_rate_limit, app, client):
    client.post("/console/login", data={"email": "a@example.com", "password": "x"})
    response = client.post("/console/login", data={"email": "a@example.com", "password": "x"})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    _assert_security_headers(response)


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_a_console_login_without_a_token_is_refused_and_writes_nothing(csrf_on, app, make, client):
    staff = make.staff("admin")
    response = client.post("/console/login", data={"email": staff.email, "password": "wrong"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert db.session.get(StaffUser, staff.id).failed_logins == 0
    wrong_token = client.post("/console/login", data={"email": staff.email, "password": PASSWORD,
                                                      "csrf_token": "forged"})
    assert wrong_token.status_code == 400
    assert client.get("/console/").status_code == 302  # not signed in


def _signed_in_with_token(client, email: str) -> None:
    token = form_token(client.get("/console/login").get_data(as_text=True))
    response = client.post("/console/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_every_console_form_carries_a_csrf_token_and_posts_with_it(csrf_on, app, make, client):
    admin = make.staff("admin")
    customer = make.customer()
    _signed_in_with_token(client, admin.email)
    pages = {
        f"/console/customers/edit/?id={customer.id}": None,
        "/console/staff/new/": None,
        f"/console/staff/edit/?id={admin.id}": None,
        "/console/": None,  # the sign-out form in the navigation bar
    }
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = form_token(response.get_data(as_text=True))

    response = client.post("/console/staff/new/", data={
        "email": "new.person@staff.example.com", "name": "New Person", "role": "support",
        "is_active": "y", "new_password": "a long enough password", "csrf_token": pages["/console/staff/new/"],
    })
    assert response.status_code == 302
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "new.person@staff.example.com"))
    without = client.post("/console/staff/new/", data={
        "email": "sneaky@staff.example.com", "name": "Sneaky", "role": "admin", "new_password": "x" * 20,
    })
    assert without.status_code == 400
    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "sneaky@staff.example.com")) is None
    assert client.post("/console/logout", data={"csrf_token": pages["/console/"]}).status_code == 302


def test_session_cookie_is_httponly_and_samesite_lax(make, console):
    staff = make.staff("admin")
    response = console.login(staff.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development serves plain HTTP


def test_production_requires_a_secret_key(monkeypatch):
    from config import load_config

    monkeypatch.setenv("BACKOFFICE_ENV", "production")
    monkeypatch.delenv("BACKOFFICE_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="BACKOFFICE_SECRET_KEY must be set"):
        load_config()


def test_production_cookies_are_secure(monkeypatch, app_config):
    from backoffice import create_app
    from config import load_config

    monkeypatch.setenv("BACKOFFICE_ENV", "production")
    monkeypatch.setenv("BACKOFFICE_SECRET_KEY", "a-production-secret-for-this-test")
    monkeypatch.setenv("BACKOFFICE_DATABASE_URL", app_config["SQLALCHEMY_DATABASE_URI"])
    config = load_config()
    assert config["ENV_NAME"] == "production" and config["SECRET_KEY"] == "a-production-secret-for-this-test"
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]

    app = create_app(config)
    response = app.test_client().get("/console/login")  # the CSRF token puts something in the session
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.engine.dispose()


def test_operators_tune_sign_in_and_mail_settings_by_environment(monkeypatch):
    from config import load_config

    monkeypatch.setenv("BACKOFFICE_ENV", "production")
    monkeypatch.setenv("BACKOFFICE_SECRET_KEY", "s")
    monkeypatch.setenv("BACKOFFICE_STAFF_LOGIN_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("BACKOFFICE_STAFF_LOCKOUT_FAILURES", "4")
    monkeypatch.setenv("BACKOFFICE_MAIL_CLAIM_SECONDS", "120")
    monkeypatch.setenv("BACKOFFICE_SMTP_TIMEOUT_SECONDS", "3")
    config = load_config()
    assert (config["STAFF_LOGIN_RATE_LIMIT"], config["STAFF_LOCKOUT_FAILURES"]) == ("5 per minute", 4)
    assert (config["MAIL_CLAIM_SECONDS"], config["SMTP_TIMEOUT_SECONDS"]) == (120, 3)


class _UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def test_an_upload_over_its_endpoint_limit_is_refused_before_the_csrf_check_reads_it(csrf_on, app, make):
    """The CSRF check is an app-wide hook that reads the form: the endpoint's own limit must come first, or a
    40 MB body is parsed before a 1 KB limit refuses it."""
    from werkzeug.test import EnvironBuilder

    app.config["CODE_IMPORT_MAX_BYTES"] = 1024
    builder = EnvironBuilder(path="/console/codes/import", method="POST",
                             content_type="multipart/form-data; boundary=x")
    environ = builder.get_environ()
    environ["CONTENT_LENGTH"] = str(5 * 1024 * 1024)
    environ["wsgi.input"] = _UnreadableBody()
    status, body = [], []
    body.extend(app(environ, lambda code, headers, *exc: status.append(code)))
    assert status[0].startswith("413") and b"limit of 1 KB" in b"".join(body)
