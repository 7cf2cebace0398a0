"""What waits for an answer and who read what: the data behind the queue's unread mark and "waiting since"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.services.support import bulk, correspondence, reading
from tests.support.helpers import customer_actor, make_ticket, staff_actor

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    moment = START + timedelta(minutes=minutes)
    set_now(moment)
    return moment


def test_a_public_reply_answers_the_customer_and_a_note_does_not(make):
    customer, engineer = make.customer(), make.staff("support")
    _at(0)
    ticket = make_ticket(customer)
    assert ticket.customer_wrote_at == START and ticket.unanswered_since == START

    _at(10)
    correspondence.staff_reply(ticket, staff_actor(engineer), "Looking into it internally.", internal=True)
    assert ticket.unanswered_since == START  # a note answers nobody

    _at(20)
    correspondence.staff_reply(ticket, staff_actor(engineer), "Five seats cost 60 EUR a year.")
    assert ticket.unanswered_since is None

    wrote = _at(30)
    correspondence.customer_reply(ticket, customer_actor(customer), "And ten?")
    _at(40)
    correspondence.customer_reply(ticket, customer_actor(customer), "Or twenty?")
    db.session.refresh(ticket)
    assert ticket.unanswered_since == wrote  # the oldest unanswered message
    assert ticket.customer_wrote_at == START + timedelta(minutes=40)


def test_unread_means_never_opened_or_the_customer_wrote_after_the_last_opening(make):
    customer, engineer, colleague = make.customer(), make.staff("support"), make.staff("support")
    _at(0)
    first, second = make_ticket(customer), make_ticket(customer, subject="Another question")
    assert reading.unread_ids([first, second], engineer.id) == {first.id, second.id}

    reading.mark_read(first.id, engineer.id, _at(5))
    reading.mark_read(second.id, engineer.id, _at(5))
    assert reading.unread_ids([first, second], engineer.id) == set()
    assert reading.unread_ids([first, second], colleague.id) == {first.id, second.id}

    _at(10)
    correspondence.customer_reply(first, customer_actor(customer), "Any news?")
    assert reading.unread_ids([first, second], engineer.id) == {first.id}
    reading.mark_read(first.id, engineer.id, _at(15))  # opening it again: an update, not a second row
    assert reading.unread_ids([first, second], engineer.id) == set()
    assert reading.unread_ids([], engineer.id) == set()


def test_the_survivor_of_a_merge_keeps_the_older_unanswered_message(make):
    customer, engineer = make.customer(), make.staff("support")
    _at(0)
    older = make_ticket(customer)
    _at(30)
    newer = make_ticket(customer, subject="Same question again")
    bulk.merge(newer, older.number, staff_actor(engineer))
    assert older.unanswered_since == START and older.customer_wrote_at == START + timedelta(minutes=30)
    assert newer.unanswered_since is None
