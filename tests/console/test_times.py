"""Times in the console: the staff member's own zone, with its name; relative due times and ages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import g
from flask_login import login_user

from backoffice.console import times
from backoffice.extensions import db
from backoffice.security import StaffIdentity

NOW = datetime(2026, 12, 1, 15, 4, tzinfo=UTC)


def _as(app, staff):
    context = app.test_request_context("/console/")
    context.push()
    g.pop("staff_zone", None)  # the fixture's app context outlives each request: forget the last one's zone
    login_user(StaffIdentity(staff))
    return context


def test_times_are_shown_in_the_staff_members_zone_with_its_name(app, make):
    staff = make.staff("support")
    staff.time_zone = "Europe/Berlin"
    db.session.commit()
    context = _as(app, staff)
    try:
        assert times.local_time(NOW) == "2026-12-01 16:04 CET"
        assert times.local_time(datetime(2026, 7, 1, 15, 4, tzinfo=UTC)) == "2026-07-01 17:04 CEST"
        assert times.local_time(None) == ""
    finally:
        context.pop()


def test_a_zone_without_an_abbreviation_shows_its_offset_and_an_unknown_zone_falls_back_to_utc(app, make):
    staff = make.staff("support")
    staff.time_zone = "Asia/Dubai"  # tzdata names it "+04"
    db.session.commit()
    context = _as(app, staff)
    try:
        assert times.local_time(NOW) == "2026-12-01 19:04 UTC+04:00"
    finally:
        context.pop()
    staff.time_zone = "Mars/Olympus_Mons"
    db.session.commit()
    context = _as(app, staff)
    try:
        assert times.local_time(NOW) == "2026-12-01 15:04 UTC"
    finally:
        context.pop()


def test_due_times_and_ages_read_relative_with_the_absolute_time_on_hover(app, make):
    context = _as(app, make.staff("support"))
    try:
        soon = str(times.due_tag(NOW + timedelta(hours=2, minutes=10), NOW))
        assert ">in 2 h</time>" in soon and 'title="2026-12-01 17:14 UTC"' in soon
        late = str(times.due_tag(NOW - timedelta(hours=3), NOW))
        assert ">3 h overdue</time>" in late and "text-danger" in late
        assert ">5 d</time>" in str(times.age_tag(NOW - timedelta(days=5, hours=2), NOW))
        assert ">12 min</time>" in str(times.age_tag(NOW - timedelta(minutes=12), NOW))
        assert str(times.time_tag(None)) == "—"
    finally:
        context.pop()
