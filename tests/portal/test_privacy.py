"""Download my data (JSON) and close my account (password-confirmed; code seats are given back)."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, AuditEvent, Course, Customer, Enrollment, Product
from backoffice.security import Actor
from backoffice.services.licensing.codes import add_code
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver, only_message_to


def setup_customer(make):
    customer = make.customer(email="ann@example.com", city="Berlin", country="DE")
    product = Product(name="Internet Security 2010")
    db.session.add(product)
    db.session.flush()
    now = utcnow()
    code = ActivationCode(code="ABCDE-12345-FGHIJ-67890", product_id=product.id, seats=1,
                          valid_from=now - timedelta(days=1), expires_at=now + timedelta(days=300))
    course = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    db.session.add_all([code, course])
    db.session.flush()
    db.session.add(Enrollment(customer_id=customer.id, course_id=course.id))
    db.session.commit()
    assert add_code(customer, "ABCDE-12345-FGHIJ-67890", Actor("customer", customer.id)).added
    return customer, code


def test_download_my_data_as_json(client, make):
    customer, _ = setup_customer(make)
    client.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert client.get("/account/privacy/data.json").status_code == 405  # a POST with the CSRF token only
    response = client.post("/account/privacy/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-account-data.json"'
    data = json.loads(response.data)
    assert data["account"]["email"] == "ann@example.com" and data["profile"]["city"] == "Berlin"
    assert data["activation_codes"][0]["code"] == "ABCDE-12345-FGHIJ-67890"
    assert data["courses"][0]["title"] == "Phishing basics"
    assert "customer.login" in [event["action"] for event in data["security_events"]]
    assert "password_hash" not in response.text and "session_epoch" not in response.text


def test_close_account_needs_the_password_then_erases_and_frees_the_code_seat(smtp, client, make):
    customer, code = setup_customer(make)
    customer_id = customer.id
    client.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    refused = client.post("/account/close", data={"password": "not mine", "confirm": "y"})
    assert refused.status_code == 200 and "This is not your password." in refused.text
    unticked = client.post("/account/close", data={"password": PASSWORD})
    assert "Tick the box to confirm." in unticked.text
    assert db.session.get(Customer, customer_id) is not None

    response = client.post("/account/close", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Customer, customer_id) is None
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    assert db.session.get(ActivationCode, code.id).seats_taken == 0  # another account may take it now
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "customer.closed",
                                                         AuditEvent.object_id == str(customer_id)))
    assert only_message_to(deliver(smtp), "ann@example.com")["Subject"] == "Your account was closed"
    assert client.get("/account/profile").status_code == 302  # signed out
