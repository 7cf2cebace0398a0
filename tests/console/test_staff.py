"""Staff users (admins): create with a password, edit role and active state, set a new password; every write
goes through the service, is audited, and a refusal writes nothing and keeps what was typed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, StaffUser
from backoffice.security import verify_password
from tests.factories import PASSWORD

NEW = {"email": "Nina.New@Staff.example.com", "name": "Nina New", "role": "support", "is_active": "y",
       "new_password": "a long enough password"}


@pytest.fixture
def admin(make, console):
    admin = make.staff("admin", name="Ada Admin")
    assert console.login(admin.email, PASSWORD).status_code == 302
    return admin


def _events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _staff_count() -> int:
    return db.session.scalar(select(func.count()).select_from(StaffUser))


def _edit_data(staff: StaffUser, **changes) -> dict:
    data = {"email": staff.email, "name": staff.name, "role": staff.role, "new_password": ""}
    if staff.is_active:
        data["is_active"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_forms_have_labelled_fields_and_state_the_password_rule(admin, client, app):
    page = client.get("/console/staff/new/").get_data(as_text=True)
    for name in ("email", "name", "role", "is_active", "new_password"):
        assert f'for="{name}"' in page
    assert f"At least {app.config['PASSWORD_MIN_LENGTH']} characters. Required for a new account." in page


def test_admin_creates_a_staff_user_and_it_is_audited(admin, client):
    response = client.post("/console/staff/new/", data=NEW)
    assert response.status_code == 302

    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == "nina.new@staff.example.com"))
    assert (staff.name, staff.role, staff.is_active) == ("Nina New", "support", True)
    assert verify_password(staff.password_hash, "a long enough password")
    [event] = _events("staff.created")
    assert (event.actor_id, event.object_id) == (admin.id, str(staff.id))
    assert event.after == {"email": "nina.new@staff.example.com", "name": "Nina New", "role": "support"}
    # and the new person can sign in
    other = client.application.test_client()
    assert other.post("/console/login", data={"email": staff.email, "password": NEW["new_password"]}).status_code == 302


REFUSED_CREATES = [
    ({"new_password": ""}, "Set a password for the new account."),
    ({"new_password": "short"}, "Use at least 10 characters."),
    ({"email": "not-an-address"}, "Invalid email address."),
    ({"name": ""}, "This field is required."),
]


def test_a_refused_create_writes_nothing_and_keeps_what_was_typed(admin, client):
    before = _staff_count()
    for changes, message in REFUSED_CREATES:
        response = client.post("/console/staff/new/", data={**NEW, **changes})
        assert response.status_code == 200, changes  # the form again
        page = response.get_data(as_text=True)
        assert message in page, changes
        assert 'value="Nina New"' in page or changes.get("name") == ""
    assert _staff_count() == before
    assert _events("staff.created") == []


def test_a_duplicate_email_is_refused_beside_the_field(admin, make, client):
    make.staff("analyst", email="nina.new@staff.example.com")
    before = _staff_count()
    response = client.post("/console/staff/new/", data=NEW)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # beside the e-mail field, in Flask-Admin's field error block, not only in the flash
    email_block = page[page.index('id="email"'):page.index('id="name"')]
    assert "A staff user with this e-mail already exists." in email_block
    assert _staff_count() == before
    assert _events("staff.created") == []


def test_admin_changes_role_and_active_state_and_it_is_audited(admin, make, client):
    staff = make.staff("support", name="Sam Support")
    response = client.post(f"/console/staff/edit/?id={staff.id}",
                           data=_edit_data(staff, role="analyst", is_active=None, name="  Sam Support "))
    assert response.status_code == 302
    db.session.expire_all()
    staff = db.session.get(StaffUser, staff.id)
    assert (staff.role, staff.is_active) == ("analyst", False)
    [event] = _events("staff.updated")
    assert event.before == {"role": "support", "is_active": True}
    assert event.after == {"role": "analyst", "is_active": False}
    assert event.actor_id == admin.id

    # reactivating clears the failure count that may have locked the account
    staff.failed_logins = 7
    db.session.commit()
    client.post(f"/console/staff/edit/?id={staff.id}", data=_edit_data(staff, is_active="y"))
    db.session.expire_all()
    staff = db.session.get(StaffUser, staff.id)
    assert staff.is_active is True and staff.failed_logins == 0


@pytest.mark.parametrize("changes", [{"role": "support"}, {"is_active": None}])
def test_an_admin_cannot_demote_or_deactivate_themselves(admin, client, changes):
    response = client.post(f"/console/staff/edit/?id={admin.id}", data=_edit_data(admin, **changes))
    assert response.status_code == 200
    assert "You cannot change your own role or deactivate yourself." in response.get_data(as_text=True)
    db.session.expire_all()
    me = db.session.get(StaffUser, admin.id)
    assert (me.role, me.is_active) == ("admin", True)
    assert _events("staff.updated") == []
    assert client.get("/console/staff/").status_code == 200  # still signed in, still admin


def test_admin_sets_a_new_password_which_ends_the_users_sessions(admin, make, app, client):
    staff = make.staff("support")
    their_browser = app.test_client()
    their_browser.post("/console/login", data={"email": staff.email, "password": PASSWORD})
    assert their_browser.get("/console/").status_code == 200

    response = client.post(f"/console/staff/edit/?id={staff.id}",
                           data=_edit_data(staff, new_password="the new password 2026"))
    assert response.status_code == 302

    assert their_browser.get("/console/").status_code == 302  # signed out
    assert their_browser.post("/console/login", data={"email": staff.email, "password": PASSWORD}).status_code == 200
    assert their_browser.post("/console/login", data={"email": staff.email,
                                                      "password": "the new password 2026"}).status_code == 302
    [event] = _events("staff.password_set")
    assert (event.actor_id, event.object_id) == (admin.id, str(staff.id))
    assert _events("staff.updated") == []  # nothing else changed


def test_a_too_short_new_password_changes_nothing_else(admin, make, client):
    staff = make.staff("support")
    response = client.post(f"/console/staff/edit/?id={staff.id}",
                           data=_edit_data(staff, role="analyst", new_password="short"))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password_block = page[page.index('id="new_password"'):]
    assert "Use at least 10 characters." in password_block
    db.session.expire_all()
    assert db.session.get(StaffUser, staff.id).role == "support"  # one transaction: all or nothing
    assert verify_password(db.session.get(StaffUser, staff.id).password_hash, PASSWORD)


def test_an_admin_changing_their_own_password_stays_signed_in(admin, client):
    response = client.post(f"/console/staff/edit/?id={admin.id}",
                           data=_edit_data(admin, new_password="my brand new password"))
    assert response.status_code == 302
    assert client.get("/console/staff/").status_code == 200
    db.session.expire_all()
    assert verify_password(db.session.get(StaffUser, admin.id).password_hash, "my brand new password")


def test_staff_users_are_never_deleted(admin, make, client):
    staff = make.staff("support")
    response = client.post("/console/staff/delete/", data={"id": staff.id})
    assert response.status_code in (302, 403, 404, 405)
    assert db.session.get(StaffUser, staff.id) is not None


def test_the_list_and_details_never_show_secrets(admin, client):
    listing = client.get("/console/staff/").get_data(as_text=True)
    details = client.get(f"/console/staff/details/?id={admin.id}").get_data(as_text=True)
    for page in (listing, details):
        assert admin.email in page
        assert admin.password_hash not in page and "$argon2" not in page
        assert admin.session_epoch not in page
