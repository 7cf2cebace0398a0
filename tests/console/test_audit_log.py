"""The audit log in a person's words: each entry's action as a sentence, its object named and linked to its page,
its before/after as labelled fields with labelled values, every time in the reader's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from backoffice.extensions import db
from backoffice.models import AuditEvent
from backoffice.security import Actor
from backoffice.services import audit_text
from backoffice.services.audit import record
from backoffice.services.support.workflow import move
from tests.console.visible_text import visible
from tests.factories import PASSWORD
from tests.support.helpers import make_ticket


@pytest.fixture
def admin(make, console):
    admin = make.staff("admin", name="Ada Admin", time_zone="Europe/Berlin")
    assert console.login(admin.email, PASSWORD).status_code == 302
    return admin


def _row(page: str, text: str) -> str:
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S) if text in row]
    assert rows, f"no row with {text!r}"
    return rows[0]


def test_entries_read_as_sentences_linked_to_their_object(admin, client, make):
    customer = make.customer(email="erika@example.com")
    event = record(Actor("staff", admin.id, "Ada Admin"), "customer.locked", customer,
                   before={"status": "active"}, after={"status": "locked"})
    event.created_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    db.session.commit()

    page = unescape(client.get("/console/audit/").get_data(as_text=True))
    row = _row(page, "Customer locked")
    assert f'<a href="/console/customers/details/?id={customer.id}">Customer erika@example.com</a>' in row
    assert "Staff: Ada Admin" in row
    assert "2026-01-15 10:30 CET" in row  # in the reader's zone, named
    assert "customer.locked" not in visible(page)[0]

    entry = unescape(client.get(f"/console/audit/details/?id={event.id}").get_data(as_text=True))
    changes = entry.split('id="audit-changes"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'<th scope="row">State</th>\s*<td[^>]*>Active</td><td[^>]*>Locked</td>', changes)
    assert "<title>Audit entry: Customer locked · Console</title>" in entry


def test_a_ticket_entry_links_to_the_ticket_page_by_its_number(admin, client, make):
    ticket = make_ticket(make.customer())
    move(ticket, "open", Actor("staff", admin.id, "Ada Admin"))
    db.session.commit()
    page = unescape(client.get("/console/audit/").get_data(as_text=True))
    row = _row(page, "Support request state changed")
    assert f'<a href="/console/tickets/{ticket.number}">Support request {ticket.number}</a>' in row
    event = db.session.query(AuditEvent).filter_by(action="ticket.status_changed").one()
    entry = unescape(client.get(f"/console/audit/details/?id={event.id}").get_data(as_text=True))
    assert re.search(r'<th scope="row">State</th>\s*<td[^>]*>New</td><td[^>]*>Open</td>', entry)


def test_the_search_and_the_action_filter_take_the_words_shown(admin, client, make):
    customer = make.customer()
    record(Actor("staff", admin.id, "Ada Admin"), "customer.unlocked", customer)
    db.session.commit()
    found = client.get("/console/audit/?search=Customer+unlocked").get_data(as_text=True)
    rows = [row for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found, re.S) if "<td" in row]
    assert len(rows) == 1 and "Customer unlocked" in rows[0]
    listing = client.get("/console/audit/").get_data(as_text=True)
    assert '<option value="customer.unlocked">Customer unlocked</option>' in listing


def test_values_and_fields_without_their_own_label_are_spelled_out_never_raw():
    event = AuditEvent(action="widget.got_polished", object_type="widgets", object_id="3",
                       before={"shine_level": None, "is_done": False, "tags": ["a", "b"]},
                       after={"shine_level": "2026-02-01T10:00:00+00:00", "is_done": True, "tags": []})
    assert audit_text.action_label(event.action) == "Widget got polished"
    assert audit_text.object_ref(event) == audit_text.ObjectRef("Widgets 3")
    changes = {change.field: (change.before, change.after) for change in audit_text.changes(event)}
    assert changes == {"Shine level": ("—", datetime(2026, 2, 1, 10, tzinfo=UTC)), "Is done": ("No", "Yes"),
                       "Tags": ("a, b", "—")}


def test_every_action_the_code_records_has_its_own_sentence():
    """A new audit action must get a sentence: every literal action name in backoffice/ is in ACTION_LABELS."""
    from pathlib import Path

    source = Path(audit_text.__file__).resolve().parents[1]
    recorded = set()
    for path in source.rglob("*.py"):
        text = path.read_text()
        recorded |= set(re.findall(r'record\(\s*\w+,\s*"([a-z_]+\.[a-z_]+)"', text))
        recorded |= {f"ticket.{name}" for name in re.findall(r'log_event\([^)]*?,\s*"([a-z_]+)"', text)}
    recorded |= {"staff.login", "staff.login_failed", "customer.login", "customer.login_failed"}
    missing = sorted(recorded - set(audit_text.ACTION_LABELS))
    assert len(recorded) > 60 and not missing, missing
