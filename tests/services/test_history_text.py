"""The history's sentences: every kind of entry the services write has its own sentence, and none shows a
stored code (snake_case, a state or priority value, an address)."""

from __future__ import annotations

import re
from pathlib import Path

from backoffice.models import TicketEvent
from backoffice.services.support import history_text
from backoffice.services.support.history_text import Names

SERVICES = Path(__file__).resolve().parents[2] / "backoffice" / "services"


def _actions_written() -> set[str]:
    """The actions passed to log_event(…, "action", …) and workflow.move(…, action="…") anywhere in services."""
    actions = set()
    for path in SERVICES.rglob("*.py"):
        text = path.read_text()
        actions.update(re.findall(r'log_event\([^,]+,\s*[^,]+,\s*"(\w+)"', text))
        actions.update(re.findall(r'action="(\w+)"', text))
        actions.update(re.findall(r'if internal else "(\w+)"', text))  # staff_reply's reply-or-note
    return actions


def test_every_action_the_services_write_has_a_sentence():
    written = _actions_written()
    assert {"created", "assigned", "merged_in", "reopened_by_merge", "staff_replied", "note_added"} <= written
    assert written - set(history_text.SENTENCES) == set()


def test_sentences_name_people_and_labels_not_codes():
    names = Names({"sam@staff.example.com": "Sam Support", "kim@staff.example.com": "Kim Colleague"},
                  {"presale": "Pre-sale question", "general": "General question"})

    def say(action, before=None, after=None, actor="sam@staff.example.com"):
        return history_text.sentence(TicketEvent(actor_label=actor, action=action, before=before, after=after), names)

    assert say("status_changed", {"status": "new"}, {"status": "open"}) == (
        "Sam Support changed the state from New to Open.")
    assert say("priority_changed", {"priority": "normal"}, {"priority": "urgent"}) == (
        "Sam Support changed the priority from Normal to Urgent.")
    assert say("type_changed", {"type": "presale"}, {"type": "general"}) == (
        "Sam Support moved the ticket from the Pre-sale question queue to the General question queue.")
    assert say("assigned", {"assignee": None}, {"assignee": "kim@staff.example.com"}) == (
        "Sam Support assigned the ticket to Kim Colleague.")
    assert say("assigned", {"assignee": "kim@staff.example.com"}, {"assignee": None}) == (
        "Sam Support unassigned the ticket from Kim Colleague.")
    assert say("merged_in", None, {"from": "TS-2026-000007"}) == "Sam Support merged TS-2026-000007 into this ticket."
    assert say("something_new") == "Sam Support changed the ticket."
    for action in history_text.SENTENCES:
        text = say(action, {"status": "waiting", "priority": "low", "type": "presale", "assignee": None},
                   {"status": "resolved", "priority": "high", "type": "general", "assignee": "kim@staff.example.com",
                    "into": "TS-2026-000001", "from": "TS-2026-000002", "score": "good", "file": "a.txt",
                    "lab request": "VL-2026-000001"})
        assert "_" not in text and "@" not in text and "None" not in text and "presale" not in text, text
