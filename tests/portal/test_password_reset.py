"""Forgotten password (FAQ §05): a single-use, one-hour link; the same answer for unknown addresses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.models import Customer
from backoffice.security import verify_password
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver, link_in, only_message_to

NEW = "quartz lantern meadow"


def test_reset_link_sets_a_new_password_signs_out_other_sessions_and_mails_a_notice(smtp, app, client, make):
    customer = make.customer(email="ann@example.com")
    other_device = app.test_client()
    other_device.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert other_device.get("/account/profile").status_code == 200

    response = client.post("/forgot-password", data={"email": "ANN@example.com"})
    assert response.status_code == 302
    link = link_in(only_message_to(deliver(smtp), "ann@example.com"), "/reset-password/")
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "password123", "confirm": "password123"})
    assert "one of the most common" in weak.text
    response = client.post(link, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    db.session.refresh(customer)
    assert verify_password(customer.password_hash, NEW)
    assert other_device.get("/account/profile").status_code == 302  # that session is over
    notice = only_message_to(deliver(smtp), "ann@example.com")
    assert notice["Subject"] == "Your password was reset"
    assert client.get(link).status_code == 404  # single use
    assert client.post("/login", data={"email": "ann@example.com", "password": NEW}).status_code == 302


def test_unknown_and_known_addresses_get_the_same_answer(smtp, client, make):
    make.customer(email="ann@example.com")
    known = client.post("/forgot-password", data={"email": "ann@example.com"}, follow_redirects=True)
    unknown = client.post("/forgot-password", data={"email": "zed@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ann@", "X@") == unknown.text.replace("zed@", "X@")
    assert [m["To"] for m in deliver(smtp)] == ["ann@example.com"]


def test_reset_link_expires_after_an_hour_and_a_newer_link_replaces_it(smtp, client, make):
    make.customer(email="ann@example.com")
    client.post("/forgot-password", data={"email": "ann@example.com"})
    first = link_in(only_message_to(deliver(smtp), "ann@example.com"), "/reset-password/")
    client.post("/forgot-password", data={"email": "ann@example.com"})
    second = link_in(only_message_to(deliver(smtp), "ann@example.com"), "/reset-password/")
    assert client.get(first).status_code == 404
    set_now(utcnow() + timedelta(minutes=61))
    assert client.post(second, data={"password": NEW, "confirm": NEW}).status_code == 404
    set_now(None)
    assert not verify_password(db.session.scalar(select(Customer.password_hash)), NEW)


def test_forged_reset_link(client):
    assert client.get("/reset-password/not-a-real-token").status_code == 404


def test_changing_the_password_voids_an_outstanding_reset_link(smtp, client, make):
    make.customer(email="ann@example.com")
    client.post("/forgot-password", data={"email": "ann@example.com"})
    link = link_in(only_message_to(deliver(smtp), "ann@example.com"), "/reset-password/")
    client.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    client.post("/account/password", data={"current_password": PASSWORD, "password": NEW, "confirm": NEW})
    assert client.get(link).status_code == 404
