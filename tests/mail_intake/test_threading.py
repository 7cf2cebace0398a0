"""A reply joins its ticket by the reply address, by the message it answers, or by the request number in the
subject from the ticket's own customer; the new text only, without quote or signature, whichever client wrote it.
A message that points at a ticket from another address waits for staff, and its sender gets nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import OutboxMessage, Ticket, TicketMessage
from backoffice.models.support import TicketStatus
from backoffice.services.support import bulk, workflow
from backoffice.services.support.reply_address import reply_address
from tests.mail_intake import messages
from tests.support.helpers import make_ticket, staff_actor

CLIENTS = {"gmail": messages.gmail_reply, "outlook": messages.outlook_reply, "apple": messages.apple_reply,
           "thunderbird": messages.thunderbird_reply}
TEXT = "The scan log is below; the update still stops at 80 %."


def thread_of(ticket) -> list[TicketMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                   .order_by(TicketMessage.id)))


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_a_reply_to_the_ticket_address_joins_with_only_its_new_text(app, make, intake, client):
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = CLIENTS[client](customer.email, reply_address(ticket.id), f"Re: {ticket.subject}", TEXT)
    inbound = intake.deliver(mail)
    assert (inbound.outcome, inbound.ticket_id) == ("joined", ticket.id)
    last = thread_of(ticket)[-1]
    assert inbound.ticket_message_id == last.id
    assert last.author_customer_id == customer.id and last.author_kind == "customer"
    assert last.body == TEXT  # no "On … wrote:", no quoted lines, no "Best regards", "Sent from my iPhone", "-- "


def test_html_only_mail_is_shown_as_sanitised_text(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.outlook_reply(customer.email, reply_address(ticket.id), "RE: x", "It <b>still</b> fails.",
                                  html_only=True)
    intake.deliver(mail)
    body = thread_of(ticket)[-1].body
    assert body.startswith("It still fails.")
    assert "<" not in body and "alert(1)" not in body and "margin" not in body


def test_a_reply_by_in_reply_to_a_message_we_sent_joins_that_ticket(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == customer.email))
    sent.message_id, sent.ticket_id = "<ticket-1.abc@example.com>", ticket.id  # what the outgoing half sets
    db.session.commit()
    mail = messages.gmail_reply(customer.email, "support@example.com", "Re: Your request", TEXT,
                                in_reply_to="<ticket-1.abc@example.com>")
    inbound = intake.deliver(mail)
    assert (inbound.outcome, inbound.ticket_id) == ("joined", ticket.id)
    assert "the message it answers" in inbound.reason


def test_a_reply_to_an_earlier_incoming_message_of_the_ticket_joins_it(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    first = messages.apple_reply(customer.email, reply_address(ticket.id), "Re: x", "First part.")
    intake.deliver(first)
    second = messages.apple_reply(customer.email, "support@example.com", "Re: x", "Second part.",
                                  in_reply_to="<unknown@elsewhere.example>",
                                  references=[first["Message-ID"], "<unknown@elsewhere.example>"])
    inbound = intake.deliver(second)
    assert (inbound.outcome, inbound.ticket_id) == ("joined", ticket.id)
    assert [m.body for m in thread_of(ticket)][-2:] == ["First part.", "Second part."]


def test_the_number_in_the_subject_joins_only_from_the_tickets_customer(app, make, intake):
    owner, other = make.customer(), make.customer()
    ticket = make_ticket(owner)
    inbound = intake.deliver(messages.thunderbird_reply(owner.email, "support@example.com",
                                                        f"Re: Request {ticket.number.lower()}", TEXT))
    assert (inbound.outcome, inbound.ticket_id) == ("joined", ticket.id)

    stranger = intake.deliver(messages.thunderbird_reply(other.email, "support@example.com",
                                                         f"About {ticket.number}", "Tell me about this request."))
    assert stranger.outcome == "created" and stranger.ticket_id != ticket.id  # their own new request
    assert db.session.get(Ticket, stranger.ticket_id).customer_id == other.id
    assert len(thread_of(ticket)) == 2


def test_a_spoofed_reply_on_another_customers_ticket_waits_for_review_and_nobody_is_mailed(app, make, intake):
    victim, attacker = make.customer(), make.customer()
    ticket = make_ticket(victim)
    before, mails_before = len(thread_of(ticket)), outbox_count()
    mail = messages.outlook_reply(attacker.email, reply_address(ticket.id), f"RE: {ticket.number}",
                                  "Please move the licence to my other e-mail address.")
    inbound = intake.deliver(mail)
    assert (inbound.outcome, inbound.ticket_id) == ("needs_review", ticket.id)
    assert attacker.email in inbound.reason and ticket.number in inbound.reason
    assert len(thread_of(ticket)) == before
    assert outbox_count() == mails_before  # neither the sender nor the customer hears of it


def test_a_forged_reply_address_names_no_ticket(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    forged = reply_address(ticket.id).replace(f"+{ticket.id}-", f"+{ticket.id + 1}-")
    other = make_ticket(make.customer())
    assert other.id == ticket.id + 1
    inbound = intake.deliver(messages.gmail_reply(customer.email, forged, "Re: hello", TEXT))
    assert inbound.outcome == "created"  # a new request of the sender's, not the other ticket
    assert len(thread_of(other)) == 1


def test_a_reply_reopens_a_waiting_ticket(app, make, intake):
    customer, staff = make.customer(), make.staff("support")
    ticket = make_ticket(customer)
    workflow.move(workflow.locked(ticket), TicketStatus.WAITING, staff_actor(staff))
    db.session.commit()
    intake.deliver(messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", TEXT))
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.OPEN


def test_a_reply_to_a_merged_ticket_joins_the_survivor(app, make, intake):
    customer, staff = make.customer(), make.staff("support")
    first, second = make_ticket(customer), make_ticket(customer, subject="Same problem again")
    bulk.merge(second, first.number, staff_actor(staff))
    inbound = intake.deliver(messages.gmail_reply(customer.email, reply_address(second.id), "Re: x", TEXT))
    assert (inbound.outcome, inbound.ticket_id) == ("joined", first.id)


def test_a_reply_to_a_closed_ticket_becomes_a_new_request_that_names_it(app, make, intake):
    customer, staff = make.customer(), make.staff("support")
    ticket = make_ticket(customer)
    workflow.move(workflow.locked(ticket), TicketStatus.CLOSED, staff_actor(staff))
    db.session.commit()
    inbound = intake.deliver(messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", TEXT))
    assert inbound.outcome == "created" and inbound.ticket_id != ticket.id
    new = db.session.get(Ticket, inbound.ticket_id)
    assert ticket.number in new.description and TEXT in new.description


def test_a_replys_files_join_the_thread_as_mail_files_and_are_checked(app, make, intake):
    from backoffice.models import Attachment, Job
    from backoffice.services.support.file_checks import CHECK_FILE

    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.thunderbird_reply(customer.email, reply_address(ticket.id), "Re: x", "The log is attached.")
    mail.add_attachment(b"scan log line\n" * 50, maintype="text", subtype="plain", filename="scan.log")
    intake.deliver(mail)
    last = thread_of(ticket)[-1]
    files = list(db.session.scalars(select(Attachment).where(Attachment.message_id == last.id)))
    assert [(f.filename, f.source) for f in files] == [("scan.log", "mail")]
    assert {"attachment_id": files[0].id} in db.session.scalars(select(Job.payload).where(Job.kind == CHECK_FILE)).all()
