"""Console: a customer's status and security actions (plain POST forms, audited) and security events."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, CustomerStatus
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver, link_in, only_message_to


def action(client, customer, name):
    # confirmed, as confirm.js or the confirm page sends it (tests/console/test_confirmations.py asks first)
    return client.post(f"/console/customers/{customer.id}/security/{name}", data={"confirmed": "yes"},
                       follow_redirects=True)


def test_lock_signs_the_customer_out_and_unlock_lets_them_back(app, client, console, make):
    customer = make.customer(email="ann@example.com")
    portal = app.test_client()
    portal.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert portal.get("/account/profile").status_code == 200
    console.login(make.staff("support").email, PASSWORD)

    page = client.get(f"/console/customers/details/?id={customer.id}")
    assert "Lock the account" in page.text and "Security events" in page.text
    assert "Signed in" in page.text  # the sign-in above, among the security events, in words
    assert "locked and signed out everywhere" in action(client, customer, "lock").text
    db.session.refresh(customer)
    assert customer.status == CustomerStatus.LOCKED
    assert portal.get("/account/profile").status_code == 302
    assert "is locked" in portal.post("/login", data={"email": "ann@example.com", "password": PASSWORD}).text
    assert "Only an active account can be locked." in action(client, customer, "lock").text

    assert "is unlocked" in action(client, customer, "unlock").text
    assert portal.post("/login", data={"email": "ann@example.com", "password": PASSWORD}).status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_type == "staff",
                                                                 AuditEvent.object_id == str(customer.id))).all()
    assert actions == ["customer.locked", "customer.unlocked"]


def test_force_password_reset_and_resend_activation_mail_the_customer(smtp, app, client, console, make):
    active = make.customer(email="ann@example.com")
    pending = make.customer(email="pending@example.com", status=CustomerStatus.PENDING)
    console.login(make.staff("admin").email, PASSWORD)
    assert "no longer works" in action(client, active, "force-password-reset").text
    assert "A new activation link was sent" in action(client, pending, "resend-activation").text
    messages = deliver(smtp)
    reset = only_message_to(messages, "ann@example.com")
    assert "our support team has reset the password" in reset.get_body(("plain",)).get_content()
    link_in(only_message_to(messages, "pending@example.com"), "/activate/")

    portal = app.test_client()
    refused = portal.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert "Invalid e-mail or password." in refused.text  # the old password is gone
    link = link_in(reset, "/reset-password/")
    portal.post(link, data={"password": "brand new secret 7", "confirm": "brand new secret 7"})
    assert portal.post("/login", data={"email": "ann@example.com",
                                       "password": "brand new secret 7"}).status_code == 302


def test_analysts_see_the_events_but_get_no_actions(client, console, make):
    customer = make.customer()
    console.login(make.staff("analyst").email, PASSWORD)
    page = client.get(f"/console/customers/details/?id={customer.id}")
    assert page.status_code == 200 and "Security events" in page.text and "Lock the account" not in page.text
    assert client.post(f"/console/customers/{customer.id}/security/lock").status_code == 403
    db.session.refresh(customer)
    assert customer.status == CustomerStatus.ACTIVE


def test_unknown_action_or_customer_is_404(client, console, make):
    customer = make.customer()
    console.login(make.staff("admin").email, PASSWORD)
    assert client.post(f"/console/customers/{customer.id}/security/delete-everything").status_code == 404
    assert client.post("/console/customers/99999/security/lock").status_code == 404
