"""Every console view refuses the wrong role: anonymous and customer sessions go to the console login,
staff without the view's read role get 403, and staff without its write role cannot write through it."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

# view URL -> roles that may read it
READ_MATRIX = {
    "/console/": {"admin", "support", "analyst"},
    "/console/customers/": {"admin", "support", "analyst"},
    "/console/staff/": {"admin"},
    "/console/audit/": {"admin"},
    "/console/outbox/": {"admin"},
}
ROLES = ["admin", "support", "analyst"]


@pytest.mark.parametrize("url", READ_MATRIX)
def test_anonymous_is_sent_to_the_console_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/console/login?next=")


@pytest.mark.parametrize("url", READ_MATRIX)
def test_a_customer_session_never_opens_the_console(app, make, sign_in_customer, url):
    client = sign_in_customer(app.test_client(), make.customer())
    response = client.get(url)
    assert response.status_code == 302
    assert "/console/login" in response.location


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", READ_MATRIX)
def test_each_role_reads_only_its_views(make, console, client, role, url):
    staff = make.staff(role)
    assert console.login(staff.email, PASSWORD).status_code == 302
    response = client.get(url)
    assert response.status_code == (200 if role in READ_MATRIX[url] else 403)


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_only_admins_create_staff(make, console, client, role):
    make.staff("admin")  # someone who could
    staff = make.staff(role)
    console.login(staff.email, PASSWORD)
    response = client.post("/console/staff/new/", data={
        "email": "intruder@example.com", "name": "Intruder", "role": "admin", "new_password": "x" * 12,
    })
    assert response.status_code == 403
    from sqlalchemy import select

    from backoffice.extensions import db
    from backoffice.models import StaffUser

    assert db.session.scalar(select(StaffUser).where(StaffUser.email == "intruder@example.com")) is None


def test_analyst_reads_customers_but_cannot_edit_them(make, console, client):
    analyst = make.staff("analyst")
    customer = make.customer(name="Before")
    console.login(analyst.email, PASSWORD)
    assert client.get(f"/console/customers/details/?id={customer.id}").status_code == 200
    response = client.post(f"/console/customers/edit/?id={customer.id}", data={"name": "After"})
    assert response.status_code == 302  # Flask-Admin sends a view without edit rights back to the list
    from backoffice.extensions import db

    db.session.refresh(customer)
    assert customer.name == "Before"


def test_support_edits_a_customer_through_the_service_and_it_is_audited(make, console, client):
    from sqlalchemy import select

    from backoffice.extensions import db
    from backoffice.models import AuditEvent

    support = make.staff("support")
    customer = make.customer(name="Before", country="DE")
    console.login(support.email, PASSWORD)
    response = client.post(f"/console/customers/edit/?id={customer.id}", data={
        "name": "After", "country": "fr", "city": "", "address": "", "phone": "", "company": "",
        "company_address": "", "company_admin_email": "",
    })
    assert response.status_code == 302
    db.session.refresh(customer)
    assert (customer.name, customer.country) == ("After", "FR")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.updated"))
    assert event.actor_id == support.id and event.object_id == str(customer.id)
    assert event.before == {"name": "Before", "country": "DE"}
    assert event.after == {"name": "After", "country": "FR"}
