"""No lost work between colleagues: a reply, note or change carries what the engineer saw (the last message and
the last history entry of the ticket when the page was drawn); if the ticket moved on since, the post is not
applied and the engineer is shown what changed, to send again deliberately.

Every write to a ticket adds a history entry (history.log_event), so the last entry's id is the ticket's
version. The check runs on the ticket row already locked (workflow.locked) by the caller, in its transaction:
two posts on one ticket take turns, and the second sees the first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import Ticket, TicketEvent, TicketMessage
from backoffice.services import ServiceError
from backoffice.services.support import history_text

MAX_SHOWN = 50  # a page that old is better reloaded; the sentences say how many more there were


@dataclass(frozen=True)
class Seen:
    """The ticket as the engineer's page showed it."""

    message_id: int
    event_id: int

    @classmethod
    def from_form(cls, form: Mapping) -> Seen | None:
        """The markers a ticket form posted, or None when it posted none (a form that predates them, the API)."""
        message_id, event_id = bounded_int(form.get("seen_message")), bounded_int(form.get("seen_event"))
        if message_id is None or event_id is None:
            return None
        return cls(message_id, event_id)


@dataclass
class Changes:
    new_messages: list[TicketMessage] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    more: int = 0  # changes past MAX_SHOWN

    def __bool__(self) -> bool:
        return bool(self.sentences or self.new_messages)


class ChangedMeanwhile(ServiceError):
    """The ticket changed since the engineer's page was drawn; nothing was written."""

    def __init__(self, changes: Changes):
        count = len(changes.sentences) + changes.more
        super().__init__(f"This ticket changed while you were writing ({count} change{'s' if count != 1 else ''}). "
                         "Nothing was sent or saved: read what changed, then send again.", "body")
        self.changes = changes


def seen_now(ticket: Ticket) -> Seen:
    """The markers a page drawn now carries."""
    message_id = db.session.scalar(select(func.max(TicketMessage.id)).where(TicketMessage.ticket_id == ticket.id))
    event_id = db.session.scalar(select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id == ticket.id))
    return Seen(message_id or 0, event_id or 0)


def seen_in(messages: list[TicketMessage], events: list[TicketEvent]) -> Seen:
    """The markers of a page that shows these messages and history entries (all of the ticket's messages and its
    latest entries, as the ticket page loads them): exactly what the engineer has in front of them, with no
    further query, so a message that arrives while the page is drawn still counts as new."""
    return Seen(max((m.id for m in messages), default=0), max((e.id for e in events), default=0))


def changes_since(ticket: Ticket, seen: Seen) -> Changes:
    """What happened to the ticket after `seen`: its new history entries as sentences, and its new messages
    (replies of either side and notes; messages merged in from another ticket are named by the merge)."""
    events = list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                               TicketEvent.id > seen.event_id)
                                     .order_by(TicketEvent.id).limit(MAX_SHOWN + 1)))
    messages = list(db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id,
                                                                   TicketMessage.id > seen.message_id)
                                       .order_by(TicketMessage.id).limit(MAX_SHOWN)))
    more = 0
    if len(events) > MAX_SHOWN:
        more = db.session.scalar(select(func.count()).where(TicketEvent.ticket_id == ticket.id,
                                                            TicketEvent.id > seen.event_id)) - MAX_SHOWN
        events = events[:MAX_SHOWN]
    return Changes(messages, [line.text for line in history_text.lines(ticket, events)], more)


def check_unchanged(ticket: Ticket, seen: Seen | None) -> None:
    """Refuse (ChangedMeanwhile) if the locked `ticket` changed after `seen`; None checks nothing."""
    if seen is None:
        return
    changes = changes_since(ticket, seen)
    if changes:
        raise ChangedMeanwhile(changes)
