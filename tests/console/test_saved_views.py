"""Saved views: an engineer names the queue's current filters and sort, finds it in the sidebar, renames and
deletes it; names are checked (empty, too long, taken) beside the field with the typed value kept; nobody sees,
renames or deletes another engineer's views; the stored query holds filters and sort, never a page cursor."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import SavedQueueView
from tests.console.queue_rows import insert_tickets
from tests.factories import PASSWORD


@pytest.fixture
def engineer(make, console):
    staff = make.staff("support")
    console.login(staff.email, PASSWORD)
    return staff


def save(client, name: str, query: str):
    return client.post("/console/tickets/views/save", data={"name": name, "query": query})


def test_save_from_the_list_and_open_it_from_the_sidebar(make, engineer, client):
    insert_tickets(make.customer(), [{"priority": "urgent"}, {"priority": "low"}])
    page = client.get("/console/tickets/?queue=general&priority=urgent&sort=priority&dir=desc&after=2~1") \
        .get_data(as_text=True)
    query = html.unescape(re.search(r'name="query" value="([^"]*)"', page).group(1))
    assert "after" not in query  # the cursor is no part of a view
    response = save(client, "  Urgent   general ", query)
    assert response.status_code == 302
    view = db.session.scalar(select(SavedQueueView))
    assert view.name == "Urgent general" and view.staff_id == engineer.id
    assert view.args == {"queue": "general", "priority": "urgent", "sort": "priority", "dir": "desc"}
    page = client.get(response.location).get_data(as_text=True)
    assert "Saved the view “Urgent general”." in page
    link = re.search(r'<ul class="list-unstyled small" aria-labelledby="saved-views-heading" id="saved-views">'
                     r'\s*<li><a href="([^"]+)">Urgent general</a>', page)
    assert link
    opened = client.get(html.unescape(link.group(1))).get_data(as_text=True)
    assert 'aria-sort="descending"' in opened and 'value="urgent" selected' in opened


def test_a_refused_name_comes_back_beside_its_field(make, engineer, client):
    save(client, "Mine", "view=mine")
    for name, message in (("", "Give the view a name."), ("mine", "You already have a view named “mine”."),
                          ("x" * 81, "This is too long: at most 80 characters"),
                          ("bad\x00name", "NUL character")):
        response = save(client, name, "view=unassigned&sort=age")
        page = response.get_data(as_text=True)
        assert response.status_code == 422, name
        assert message in page and 'aria-describedby="save-view-error"' in page and "is-invalid" in page, name
        assert 'aria-sort="ascending"' in page and "Unassigned tickets" in page  # the same list, as it was
    assert db.session.scalar(select(func.count()).select_from(SavedQueueView)) == 1
    kept = save(client, "x" * 81, "view=mine").get_data(as_text=True)
    assert 'value="' + "x" * 81 + '"' in kept  # what was typed is not lost


def test_rename_and_delete_on_the_views_page(make, engineer, client):
    save(client, "Mine", "view=mine")
    save(client, "Overdue", "overdue=1")
    mine, overdue = db.session.scalars(select(SavedQueueView).order_by(SavedQueueView.id))
    page = client.get("/console/tickets/views").get_data(as_text=True)
    assert 'data-confirm="Delete the saved view “Mine”?"' in page and '<label for="rename-' in page
    refused = client.post(f"/console/tickets/views/{mine.id}/rename", data={"name": "OVERDUE"})
    assert refused.status_code == 422 and "You already have a view named “OVERDUE”." in refused.get_data(as_text=True)
    assert f'aria-describedby="rename-{mine.id}-error"' in refused.get_data(as_text=True)
    assert client.post(f"/console/tickets/views/{mine.id}/rename", data={"name": "My queue"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedQueueView, mine.id).name == "My queue"
    asked = client.post(f"/console/tickets/views/{overdue.id}/delete")  # no script set `confirmed`: a page asks
    assert asked.status_code == 200 and "Delete the saved view “Overdue”?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SavedQueueView, overdue.id) is not None
    deleted = client.post(f"/console/tickets/views/{overdue.id}/delete", data={"confirmed": "yes"})
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(SavedQueueView, overdue.id) is None
    page = client.get("/console/tickets/").get_data(as_text=True)
    assert "My queue" in page and "Overdue</a>" not in page


def test_another_engineers_views_are_out_of_reach(app, make, engineer, client):
    save(client, "Mine", "view=mine")
    view = db.session.scalar(select(SavedQueueView))
    other = app.test_client()
    other.post("/console/login", data={"email": make.staff("support").email, "password": PASSWORD})
    assert "Mine</a>" not in other.get("/console/tickets/").get_data(as_text=True)
    assert other.post(f"/console/tickets/views/{view.id}/rename", data={"name": "Taken"}).status_code == 404
    assert other.post(f"/console/tickets/views/{view.id}/delete").status_code == 404
    assert other.post("/console/tickets/views/999999/delete").status_code == 404
    db.session.expire_all()
    assert db.session.get(SavedQueueView, view.id).name == "Mine"
    assert save(other, "Mine", "view=mine").status_code == 302  # names are per engineer
