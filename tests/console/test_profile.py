"""Each staff member's own profile: name, time zone (every console time shows in it), and a support engineer's
queues; refused values come back beside their field, and nobody edits another person's profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.models import AuditEvent, StaffQueue, StaffUser, SupportRequestType
from tests.conftest import form_token
from tests.factories import PASSWORD

NOON = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def noon():
    set_now(NOON)
    yield NOON
    set_now(None)


def _signed_in(make, console, role: str = "support", **fields) -> StaffUser:
    staff = make.staff(role, **fields)
    assert console.login(staff.email, PASSWORD).status_code == 302
    return staff


def _save(client, **values):
    data = {"name": "Sam Support", "time_zone": "UTC", **values}
    return client.post("/console/profile/", data=data)


def _queue_codes(staff_id: int) -> set[str]:
    return set(db.session.scalars(select(SupportRequestType.code).join(
        StaffQueue, StaffQueue.request_type_id == SupportRequestType.id).where(StaffQueue.staff_id == staff_id)))


def _reloaded(staff: StaffUser) -> StaffUser:
    db.session.expire_all()
    return db.session.get(StaffUser, staff.id)


def test_a_new_profile_shows_utc_and_the_time_in_it(noon, make, console, client):
    _signed_in(make, console, name="Sam Support")
    page = client.get("/console/profile/").get_data(as_text=True)
    assert "<title>My profile · Console</title>" in page
    assert re.search(r'<input type="text" class="form-control" id="time_zone" name="time_zone"\s+value="UTC"', page)
    assert '<strong id="time-now">2026-03-03 12:00 UTC</strong>' in page
    assert '<label for="time_zone">Time zone</label>' in page and '<option value="Europe/Berlin">' in page


def test_the_chosen_zone_is_saved_audited_and_used_for_every_time_shown(noon, make, console, client):
    staff = _signed_in(make, console, name="Sam Support")

    response = _save(client, name="Sam Support", time_zone="asia/kolkata")  # typed loosely: the zone it names

    assert response.status_code == 302 and response.headers["Location"] == "/console/profile/"
    assert _reloaded(staff).time_zone == "Asia/Kolkata"
    page = client.get("/console/profile/").get_data(as_text=True)
    assert "Your profile is saved." in page
    assert '<strong id="time-now">2026-03-03 17:30 IST</strong>' in page  # 12:00 UTC in India
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.profile_updated"))
    assert event.actor_id == staff.id and event.object_id == str(staff.id)
    assert event.before == {"time_zone": "UTC"} and event.after == {"time_zone": "Asia/Kolkata"}


def test_an_unknown_zone_is_refused_beside_its_field_with_what_was_typed(make, console, client):
    staff = _signed_in(make, console, name="Sam Support")

    response = _save(client, name="Samantha", time_zone="Mars/Olympus_Mons")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'class="form-control is-invalid" id="time_zone" name="time_zone"\s+value="Mars/Olympus_Mons"',
                     page)
    assert 'aria-describedby="time_zone-help time_zone-error" aria-invalid="true"' in page
    assert re.search(r'<div class="invalid-feedback d-block" id="time_zone-error">This is not a time zone we know',
                     page)
    assert 'value="Samantha"' in page  # the other field keeps what was typed too
    staff = _reloaded(staff)
    assert (staff.name, staff.time_zone) == ("Sam Support", "UTC")  # nothing written, not even the valid name
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "staff.profile_updated")) is None


def test_an_empty_name_is_refused_beside_its_field(make, console, client):
    staff = _signed_in(make, console, name="Sam Support")
    page = _save(client, name="   ", time_zone="Europe/Berlin").get_data(as_text=True)
    assert '<div class="invalid-feedback d-block" id="name-error">Enter your name.</div>' in page
    assert 'aria-invalid="true" aria-describedby="name-error"' in page
    assert _reloaded(staff).time_zone == "UTC"


def test_a_support_engineer_saves_the_queues_they_work(make, console, client):
    staff = _signed_in(make, console)

    assert _save(client, queues=["presale", "updates"]).status_code == 302
    assert _queue_codes(staff.id) == {"presale", "updates"}
    page = client.get("/console/profile/").get_data(as_text=True)
    assert re.search(r'value="presale" id="queue-presale"\s+checked', page)
    assert not re.search(r'value="setup" id="queue-setup"\s+checked', page)

    assert _save(client, queues=["setup"]).status_code == 302  # a new choice replaces the old one
    assert _queue_codes(staff.id) == {"setup"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.profile_updated")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.before == {"queues": "presale, updates"} and event.after == {"queues": "setup"}

    refused = _save(client, queues=["setup", "no_such_queue"])
    assert refused.status_code == 422 and "Choose queues from the list." in refused.get_data(as_text=True)
    assert _queue_codes(staff.id) == {"setup"}


def test_only_support_engineers_have_queues(make, console, client):
    analyst = _signed_in(make, console, "analyst", name="Ann Analyst")
    page = client.get("/console/profile/").get_data(as_text=True)
    assert "The queues I work" not in page and "Virus analyst" in page
    assert _save(client, name="Ann Analyst", queues=["presale"]).status_code == 302
    assert _queue_codes(analyst.id) == set()


def test_nobody_edits_another_staff_members_profile(make, console, client):
    other = make.staff("support", name="Other Person")
    me = _signed_in(make, console, name="Sam Support")

    assert client.get(f"/console/profile/{other.id}").status_code == 404
    assert client.post(f"/console/profile/{other.id}", data={"name": "X", "time_zone": "UTC"}).status_code == 404
    # naming the other person in the form changes nothing of theirs: the page only ever writes one's own profile
    response = client.post("/console/profile/", query_string={"id": other.id},
                           data={"id": other.id, "staff_id": other.id, "name": "Sam Support",
                                 "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    assert _reloaded(other).time_zone == "UTC" and _reloaded(other).name == "Other Person"
    assert _reloaded(me).time_zone == "Europe/Berlin"


def test_the_profile_is_behind_the_console_sign_in(client):
    response = client.get("/console/profile/")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_saving_needs_the_forms_csrf_token(csrf_on, app, make):
    staff = make.staff("support", name="Sam Support")
    client = app.test_client()
    token = form_token(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token})

    forged = client.post("/console/profile/", data={"name": "Sam Support", "time_zone": "Europe/Berlin"})
    assert forged.status_code == 400
    assert _reloaded(staff).time_zone == "UTC"

    token = form_token(client.get("/console/profile/").get_data(as_text=True))
    saved = client.post("/console/profile/", data={"name": "Sam Support", "time_zone": "Europe/Berlin",
                                                   "csrf_token": token})
    assert saved.status_code == 302
    assert _reloaded(staff).time_zone == "Europe/Berlin"
