"""No mail loops, nothing twice, nothing oversized: auto-generated, bulk and list mail and our own mail are never
taken or answered; an out-of-office on a ticket's thread does not land in it; the same message twice (same bytes,
or the same Message-ID over another path) is one; a message over the size limit is refused, unanswered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import OutboxMessage, Ticket, TicketMessage
from backoffice.models.inbound_mail import InboundMessage
from backoffice.services.mail_intake.receive import MessageTooLarge, receive
from backoffice.services.support.reply_address import reply_address
from tests.mail_intake import messages
from tests.support.helpers import make_ticket

LOOP_HEADERS = [
    ("Auto-Submitted", "auto-generated"),
    ("Auto-Submitted", "auto-replied; owner-email=x@client.example.net"),
    ("Precedence", "bulk"),
    ("Precedence", "list"),
    ("Precedence", "junk"),
    ("X-Autoreply", "yes"),
    ("List-Id", "<announce.lists.example.net>"),
]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(("name", "value"), LOOP_HEADERS)
def test_automatic_and_bulk_mail_is_ignored(app, make, intake, name, value):
    customer = make.customer()  # even from an active customer: no request, no answer
    mail = messages.new_mail(customer.email, "support@example.com", "Newsletter", "Our news of the week.")
    mail[name] = value
    inbound = intake.deliver(mail)
    assert inbound.outcome == "ignored" and inbound.reason
    assert count(Ticket) == 0 and count(OutboxMessage) == 0


def test_our_own_message_coming_back_is_ignored(app, make, intake):
    mail = messages.new_mail("someone@client.example.net", "support@example.com", "Fwd", "Looped back.")
    mail.replace_header("Message-ID", "<outbox-7.1234@example.com>")
    assert intake.deliver(mail).outcome == "ignored"
    own = messages.new_mail("Support <support@example.com>", "support@example.com", "x", "From ourselves.")
    assert intake.deliver(own).reason == "Sent from our own address."
    daemon = messages.new_mail("MAILER-DAEMON@mx.client.example.net", "support@example.com", "x", "A notice.")
    assert intake.deliver(daemon).outcome == "ignored"
    assert count(OutboxMessage) == 0


def test_an_out_of_office_on_the_ticket_thread_does_not_land_in_it(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.out_of_office(customer.email, reply_address(ticket.id), ticket.subject)
    assert intake.deliver(mail).outcome == "ignored"
    assert db.session.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket.id)) == 1


def test_an_outlook_reply_asking_for_no_auto_reply_still_threads(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.outlook_reply(customer.email, reply_address(ticket.id), "RE: x", "Done, thanks.")
    mail["X-Auto-Response-Suppress"] = "DR, RN, NRN, OOF, AutoReply"
    assert intake.deliver(mail).outcome == "joined"


def test_a_stranger_asking_for_no_auto_reply_gets_none(app, intake):
    mail = messages.new_mail("someone@client.example.net", "support@example.com", "x", "Hello.")
    mail["X-Auto-Response-Suppress"] = "All"
    assert intake.deliver(mail).outcome == "ignored"
    assert count(OutboxMessage) == 0


def test_the_same_bytes_twice_are_one_message_with_one_job(app, make):
    raw = messages.new_mail("a@client.example.net", "support@example.com", "x", "Hello.").as_bytes()
    first, second = receive(raw, "imap"), receive(raw, "imap")
    assert (first.duplicate, second.duplicate) == (False, True) and first.inbound_id == second.inbound_id
    assert count(InboundMessage) == 1


def test_a_message_over_the_limit_is_refused_and_stores_nothing(app):
    app.config["MAIL_INTAKE_MAX_BYTES"] = 10_000
    raw = messages.new_mail("a@client.example.net", "support@example.com", "x", "y" * 20_000).as_bytes()
    with pytest.raises(MessageTooLarge):
        receive(raw, "smtp")
    assert count(InboundMessage) == 0


def test_a_mail_without_any_headers_or_text_is_handled(app, intake):
    inbound = intake.deliver(b"\r\n\r\n")
    assert inbound.outcome == "ignored" and inbound.from_addr == ""


def test_hostile_headers_do_not_stop_the_intake(app, make, intake):
    customer = make.customer()
    raw = (f"From: {customer.email}\r\nTo: support@example.com\r\nSubject: =?utf-8?q?broken=ZZ?= \x01\x7f\r\n"
           "Message-ID: <<<nonsense\r\nReferences: <a@b> <<>> <\r\nContent-Type: text/plain; charset=unknown-8bit\r\n"
           "\r\nA body with a NUL \x00 and \x1b escape.\r\n").encode("latin-1")
    inbound = intake.deliver(raw)
    assert inbound.outcome == "created"
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert "\x00" not in ticket.description and "\x1b" not in ticket.description


def test_a_strangers_copy_of_a_message_id_blocks_nothing(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    genuine = messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", "The genuine reply.")
    squatter = messages.new_mail("squatter@client.example.net", "support@example.com", "x", "First with the id.")
    squatter.replace_header("Message-ID", genuine["Message-ID"])
    intake.deliver(squatter)
    assert intake.deliver(genuine).outcome == "joined"
    assert count(InboundMessage) == 2


def test_a_message_the_intake_cannot_read_goes_to_staff(app, intake):
    from backoffice.storage import blob_path

    received = receive(messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x", "Hi.")),
                       "imap")
    inbound = db.session.get(InboundMessage, received.inbound_id)
    blob_path(inbound.raw_sha256).unlink()  # the store lost it (a disk replaced without its files)
    intake.run()
    db.session.expire_all()
    inbound = db.session.get(InboundMessage, received.inbound_id)
    assert inbound.outcome == "needs_review" and "missing from the blob store" in inbound.reason
