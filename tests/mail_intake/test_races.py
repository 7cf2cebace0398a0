"""The intake's invariants under concurrency, on PostgreSQL: one message delivered twice at once (the same bytes,
or the same Message-ID over two paths) is recorded once with one job; two intake runs of one message decide it
once; two strangers' messages racing on the daily auto-reply send one; two engineers deciding one review make one
decision."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Job, OutboxMessage, TicketMessage
from backoffice.models.inbound_mail import InboundMessage
from backoffice.services import ServiceError
from backoffice.services.mail_intake import review
from backoffice.services.mail_intake.intake import process
from backoffice.services.mail_intake.receive import INTAKE, receive
from backoffice.services.support.reply_address import reply_address
from tests.mail_intake import messages
from tests.races import run_together
from tests.support.helpers import make_ticket, staff_actor


def race(app, count: int, action) -> tuple[list, list]:
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(action())
            except Exception as error:  # noqa: BLE001  reported by the caller
                errors.append(error)
            finally:
                db.session.remove()

    run_together(run, count)
    db.session.expire_all()
    return results, errors


def total(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_same_message_delivered_twice_at_once_is_recorded_once(app, postgres_only):
    raw = messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x", "Hello."))
    results, errors = race(app, 6, lambda: receive(raw, "lmtp"))
    assert errors == []
    assert len({result.inbound_id for result in results}) == 1
    assert sorted(result.duplicate for result in results) == [False] + [True] * 5
    assert total(InboundMessage) == 1 and total(Job, Job.kind == INTAKE) == 1


def test_one_message_over_two_paths_at_once_is_recorded_once(app, postgres_only):
    mail = messages.new_mail("a@client.example.net", "support@example.com", "x", "Hello.")
    copies = []
    for relay in range(4):  # the same Message-ID, other Received lines: other bytes
        mail["Received"] = f"from relay{relay}.example.net by mx.example.com"
        copies.append(messages.wire(mail))
    iterator = iter(copies)
    lock = threading.Lock()

    def deliver():
        with lock:
            raw = next(iterator)
        return receive(raw, "smtp")

    results, errors = race(app, 4, deliver)
    assert errors == [] and len({result.inbound_id for result in results}) == 1
    assert total(InboundMessage) == 1


def test_two_runs_of_one_intake_decide_it_once(app, make, postgres_only):
    customer = make.customer()
    ticket = make_ticket(customer)
    received = receive(messages.wire(messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x",
                                                          "Only once, please.")), "imap")
    results, errors = race(app, 4, lambda: process(received.inbound_id) and None)
    assert errors == []
    assert total(TicketMessage, TicketMessage.ticket_id == ticket.id) == 2


def test_strangers_racing_on_the_daily_auto_reply_get_one(app, postgres_only):
    raws = iter([messages.wire(messages.new_mail("stranger@client.example.net", "support@example.com", f"Help {n}",
                                                 f"Message {n}.")) for n in range(5)])
    ids = [receive(raw, "smtp").inbound_id for raw in raws]
    queue = iter(ids)
    lock = threading.Lock()

    def decide():
        with lock:
            inbound_id = next(queue)
        return process(inbound_id).outcome

    results, errors = race(app, 5, decide)
    assert errors == [] and sorted(results) == ["auto_replied"] + ["ignored"] * 4
    assert total(OutboxMessage, OutboxMessage.to_addr == "stranger@client.example.net") == 1


def test_two_engineers_deciding_one_review_make_one_decision(app, make, postgres_only):
    victim, other, staff = make.customer(), make.customer(), make.staff("support")
    ticket = make_ticket(victim)
    received = receive(messages.wire(messages.gmail_reply(other.email, reply_address(ticket.id), "Re: x",
                                                          "From a colleague.")), "imap")
    process(received.inbound_id)
    actor = staff_actor(staff)
    calls = iter([lambda: review.attach(received.inbound_id, ticket.number, actor),
                  lambda: review.discard(received.inbound_id, actor)] * 2)
    lock = threading.Lock()

    def decide():
        with lock:
            call = next(calls)
        try:
            return call().outcome
        except ServiceError as error:
            return error.message

    results, errors = race(app, 4, decide)
    assert errors == []
    decided = [result for result in results if result in ("attached", "discarded")]
    assert len(decided) == 1 and results.count(review.GONE) == 3
    assert total(TicketMessage, TicketMessage.ticket_id == ticket.id) == (2 if decided == ["attached"] else 1)
