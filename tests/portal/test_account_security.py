"""Cross-cutting guarantees of the account pages: CSRF on every form, single use under races, purge in parallel."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus, TokenPurpose
from backoffice.security import Actor
from backoffice.services import ServiceError, passwords, registration, tokens
from tests.conftest import form_token
from tests.factories import PASSWORD
from tests.races import run_together


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize("path", ["/login", "/register", "/forgot-password", "/claim"])
def test_public_forms_refuse_a_post_without_the_csrf_token(csrf_on, client, path):
    response = client.post(path, data={"email": "ann@example.com", "password": PASSWORD})
    assert response.status_code == 400 and "The form expired" in response.text
    page = client.get(path)
    token = form_token(page.text)
    assert client.post(path, data={"csrf_token": token, "email": "x"}).status_code in (200, 302)


def test_signed_in_forms_refuse_a_post_without_the_csrf_token(csrf_on, client, make):
    make.customer(email="ann@example.com")
    page = client.get("/login")
    client.post("/login", data={"csrf_token": form_token(page.text), "email": "ann@example.com",
                                "password": PASSWORD})
    for path in ["/account/profile", "/account/email", "/account/password", "/account/subscriptions",
                 "/account/close", "/account/privacy/export", "/logout"]:
        assert client.post(path, data={"password": PASSWORD}).status_code == 400, path
    assert db.session.scalar(select(func.count(Customer.id))) == 1


def test_a_reset_link_used_twice_at_once_works_once(postgres_only, app, make):
    customer = make.customer(email="ann@example.com")
    raw = tokens.issue(customer, TokenPurpose.PASSWORD_RESET)
    db.session.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def use(password):
        with app.app_context():
            barrier.wait()
            try:
                passwords.reset_password(raw, password, Actor("anonymous"))
                outcomes.append("ok")
            except ServiceError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=use, args=(p,)) for p in ("first new password", "second new password")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["ok", "refused"]


def test_purge_run_on_several_machines_at_once_deletes_each_account_once(postgres_only, app, make):
    old = utcnow() - timedelta(days=6)
    for _ in range(20):
        make.customer(status=CustomerStatus.PENDING, created_at=old)
    make.customer(status=CustomerStatus.PENDING)  # young: stays
    barrier = threading.Barrier(3)
    counts = []

    def purge():
        with app.app_context():
            barrier.wait()
            counts.append(registration.purge_unactivated(Actor.system("cron")))
            db.session.remove()

    run_together(purge, 3, timeout=30)
    assert sum(counts) == 20 and len(counts) == 3
    assert db.session.scalar(select(func.count(Customer.id))) == 1
