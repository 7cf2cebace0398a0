"""A ticket's history as sentences a person reads ("Sam Support changed the state from New to Open"): one
function per kind of event, each given the event and who did it by name. Nothing here shows a stored code
(a state, a priority, a request type's code, an address) as it is kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import SupportRequestType, Ticket, TicketEvent
from backoffice.services.support import people
from backoffice.services.support.workflow import LABELS, PRIORITY_LABELS


@dataclass(frozen=True)
class HistoryLine:
    event_id: int
    created_at: datetime
    text: str


@dataclass(frozen=True)
class Names:
    """What the sentences need to name: actors and assignees by their address, request types by their code."""

    people: dict[str, str]
    types: dict[str, str]

    def person(self, address: str | None) -> str:
        return self.people.get(address, address) if address else "nobody"

    def type(self, code: str | None) -> str:
        return self.types.get(code, "another queue") if code else "another queue"


def _value(event: TicketEvent, side: str, key: str):
    values = (event.before if side == "before" else event.after) or {}
    return values.get(key)


def _state(code) -> str:
    return LABELS.get(code, "another state")


def created(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} sent the request to the {names.type(_value(event, 'after', 'type'))} queue"


def customer_replied(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} replied"


def staff_replied(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} replied to the customer"


def note_added(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} added an internal note"


def status_changed(who: str, event: TicketEvent, names: Names) -> str:
    return (f"{who} changed the state from {_state(_value(event, 'before', 'status'))} "
            f"to {_state(_value(event, 'after', 'status'))}")


def reopened_by_reply(who: str, event: TicketEvent, names: Names) -> str:
    return f"The reply of {who} reopened the request (it was {_state(_value(event, 'before', 'status')).lower()})"


def closed_by_customer(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} closed the request"


def reopened_by_customer(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} reopened the request"


def closed_by_merge(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} closed this ticket by merging it into another"


def reopened_by_merge(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} reopened this ticket by merging another into it"


def auto_closed(who: str, event: TicketEvent, names: Names) -> str:
    return "The ticket was closed automatically some days after it was resolved"


def type_changed(who: str, event: TicketEvent, names: Names) -> str:
    return (f"{who} moved the ticket from the {names.type(_value(event, 'before', 'type'))} queue "
            f"to the {names.type(_value(event, 'after', 'type'))} queue")


def priority_changed(who: str, event: TicketEvent, names: Names) -> str:
    before = PRIORITY_LABELS.get(_value(event, "before", "priority"), "another priority")
    after = PRIORITY_LABELS.get(_value(event, "after", "priority"), "another priority")
    return f"{who} changed the priority from {before} to {after}"


def assigned(who: str, event: TicketEvent, names: Names) -> str:
    before, after = _value(event, "before", "assignee"), _value(event, "after", "assignee")
    if after is None:
        return f"{who} unassigned the ticket from {names.person(before)}"
    if names.person(after) == who:
        return f"{who} took the ticket"
    return f"{who} assigned the ticket to {names.person(after)}"


def merged(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} merged this ticket into {_value(event, 'after', 'into')}"


def merged_in(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} merged {_value(event, 'after', 'from')} into this ticket"


def rated(who: str, event: TicketEvent, names: Names) -> str:
    score = {"good": "good", "bad": "bad"}.get(_value(event, "after", "score"), "")
    return f"{who} rated the answer as {score}" if score else f"{who} rated the answer"


def sent_to_virus_lab(who: str, event: TicketEvent, names: Names) -> str:
    return (f"{who} sent the file {_value(event, 'after', 'file')} to the Virus Lab "
            f"as request {_value(event, 'after', 'lab request')}")


def ftp_file_received(who: str, event: TicketEvent, names: Names) -> str:
    return f"{who} sent the file {_value(event, 'after', 'file')} by FTP"


SENTENCES: dict[str, Callable[[str, TicketEvent, Names], str]] = {
    fn.__name__: fn for fn in (
        created, customer_replied, staff_replied, note_added, status_changed, reopened_by_reply,
        closed_by_customer, reopened_by_customer, closed_by_merge, reopened_by_merge, auto_closed, type_changed,
        priority_changed, assigned, merged, merged_in, rated, sent_to_virus_lab, ftp_file_received)
}


def names_for(ticket: Ticket, events: list[TicketEvent]) -> Names:
    addresses = {e.actor_label for e in events}
    for e in events:
        if e.action == "assigned":
            addresses.update(a for a in (_value(e, "before", "assignee"), _value(e, "after", "assignee")) if a)
    types = dict(db.session.execute(select(SupportRequestType.code, SupportRequestType.name)).all())
    return Names(people.actor_names(ticket, addresses), types)


def sentence(event: TicketEvent, names: Names) -> str:
    who = names.person(event.actor_label)
    write = SENTENCES.get(event.action)
    return (write(who, event, names) if write else f"{who} changed the ticket") + "."


def lines(ticket: Ticket, events: list[TicketEvent]) -> list[HistoryLine]:
    names = names_for(ticket, events)
    return [HistoryLine(e.id, e.created_at, sentence(e, names)) for e in events]
