"""Profile (FAQ §06), e-mail change (§07) and password change (§08)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, Customer
from backoffice.security import verify_password
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver, link_in, only_message_to

PROFILE = {"name": "Ann Example", "country": "DE", "city": "Berlin", "address": "Unter den Linden 1",
           "phone": "+49 30 1234567", "company": "ACME GmbH", "company_address": "", "company_admin_email": ""}


def signed_in(client, email="ann@example.com", password=PASSWORD):
    assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    return client


def test_profile_edit_saves_and_audits(client, make):
    customer = make.customer(email="ann@example.com")
    page = signed_in(client).get("/account/profile")
    assert page.status_code == 200 and "Customer profile" in page.text
    response = client.post("/account/profile", data=PROFILE)
    assert response.status_code == 302
    db.session.refresh(customer)
    assert (customer.city, customer.phone, customer.company) == ("Berlin", "+49301234567", "ACME GmbH")
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "customer.profile_updated"))[
        "city"] == "Berlin"
    assert 'value="+49 30 1234567"' in client.get("/account/profile").text  # shown readable


def test_profile_refusals_keep_the_input_beside_the_field(client, make):
    make.customer(email="ann@example.com")
    signed_in(client)
    for overrides, message in [({"country": "XX"}, "Not a valid choice"), ({"phone": "+49 1"}, "valid telephone"),
                               ({"city": ""}, "Enter your city."),
                               ({"company_admin_email": "nope"}, "Enter a valid e-mail address")]:
        response = client.post("/account/profile", data={**PROFILE, **overrides})
        assert response.status_code == 200 and message in response.text, overrides
        assert 'value="Unter den Linden 1"' in response.text
        assert "is-invalid" in response.text
    assert db.session.scalar(select(Customer.city)) is None  # nothing written


def test_change_password_signs_out_other_sessions_and_mails_a_notice(smtp, app, client, make):
    customer = make.customer(email="ann@example.com")
    other = signed_in(app.test_client())
    signed_in(client)
    wrong = client.post("/account/password", data={"current_password": "nope nope", "password": "new secret words",
                                                   "confirm": "new secret words"})
    assert "This is not your current password." in wrong.text
    differ = client.post("/account/password", data={"current_password": PASSWORD, "password": "new secret words",
                                                    "confirm": "other words here"})
    assert "The two passwords differ." in differ.text
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                      "password": "new secret words", "confirm": "new secret words"})
    assert response.status_code == 302
    assert client.get("/account/profile").status_code == 200  # this session stays
    assert other.get("/account/profile").status_code == 302  # the other one is signed out
    db.session.refresh(customer)
    assert verify_password(customer.password_hash, "new secret words")
    assert only_message_to(deliver(smtp), "ann@example.com")["Subject"] == "Your password was changed"


def test_change_email_needs_the_link_sent_to_the_new_address(smtp, client, make):
    customer = make.customer(email="ann@example.com")
    signed_in(client)
    response = client.post("/account/email", data={"new_email": "Ann.New@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    db.session.refresh(customer)
    assert customer.email == "ann@example.com" and customer.pending_email == "ann.new@example.com"
    messages = deliver(smtp)
    assert only_message_to(messages, "ann@example.com")["Subject"] == "A change of your sign-in address was requested"
    link = link_in(only_message_to(messages, "ann.new@example.com"), "/account/email/confirm/")
    assert client.get(link).status_code == 200  # a page with a button; nothing changed yet
    db.session.refresh(customer)
    assert customer.email == "ann@example.com"
    assert client.post(link).status_code == 302
    db.session.refresh(customer)
    assert customer.email == "ann.new@example.com" and customer.pending_email is None
    assert only_message_to(deliver(smtp), "ann@example.com")["Subject"] == "Your sign-in address was changed"
    assert client.post(link).status_code == 409  # single use


def test_change_to_a_taken_address_answers_the_same_and_tells_its_owner(smtp, client, make):
    make.customer(email="ann@example.com")
    make.customer(email="bob@example.com")
    signed_in(client)
    response = client.post("/account/email", data={"new_email": "bob@example.com", "password": PASSWORD},
                           follow_redirects=True)
    assert "We have sent a link to bob@example.com" in response.text
    messages = deliver(smtp)
    assert only_message_to(messages, "bob@example.com")["Subject"] == "Someone tried to use your address"
    wrong = client.post("/account/email", data={"new_email": "x@example.com", "password": "wrong one"})
    assert "This is not your current password." in wrong.text and 'value="x@example.com"' in wrong.text


def test_confirmation_is_refused_when_the_address_was_taken_meanwhile(smtp, client, make):
    customer = make.customer(email="ann@example.com")
    signed_in(client)
    client.post("/account/email", data={"new_email": "new@example.com", "password": PASSWORD})
    link = link_in(only_message_to(deliver(smtp), "new@example.com"), "/account/email/confirm/")
    make.customer(email="new@example.com")  # registered by someone else in between
    response = client.post(link)
    assert response.status_code == 409 and "used by another account" in response.text
    db.session.refresh(customer)
    assert customer.email == "ann@example.com" and customer.pending_email is None
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "customer.email_change_refused"))


def test_two_accounts_confirming_the_same_address_at_once_exactly_one_wins(postgres_only, smtp, app, make):
    """Both links are valid when their owners click at the same moment; the unique index lets one through."""
    clients, links = [], []
    for name in ("ann", "bob"):
        make.customer(email=f"{name}@example.com")
        client = signed_in(app.test_client(), f"{name}@example.com")
        client.post("/account/email", data={"new_email": "shared@example.com", "password": PASSWORD})
        clients.append(client)
    for message in deliver(smtp):
        if message["To"] == "shared@example.com":
            links.append(link_in(message, "/account/email/confirm/"))
    assert len(links) == 2

    barrier = threading.Barrier(2)
    statuses = [None, None]

    def confirm(index):
        with app.app_context():
            barrier.wait()
            statuses[index] = clients[index].post(links[index]).status_code
            db.session.remove()

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 409]
    db.session.expire_all()
    owners = db.session.scalars(select(Customer.email).order_by(Customer.id)).all()
    assert sorted(owners) in (["bob@example.com", "shared@example.com"], ["ann@example.com", "shared@example.com"])
