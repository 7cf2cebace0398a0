"""The two halves of the e-mail channel together: the mail we send, received by a real SMTP server, answered
from the customer's mail client (to its Reply-To, or to the plain support address quoting its Message-ID), joins
the ticket's thread; the same answer from another address waits for review."""

from __future__ import annotations

import pytest

from backoffice.mail import deliver_due
from backoffice.services.support import correspondence
from tests.mail_intake import messages
from tests.mail_intake.test_threading import thread_of
from tests.support.helpers import make_ticket, staff_actor

TEXT = "Thanks, the new code works on all five computers."


@pytest.fixture
def answered(smtp, app, make):
    """A ticket whose engineer answered, and the answer as the customer's mailbox received it."""
    customer = make.customer()
    ticket = make_ticket(customer)
    correspondence.staff_reply(ticket, staff_actor(make.staff("support")), "Here is your new code.")
    deliver_due()
    received = {mail["Subject"]: mail for mail in smtp.wait_for(2)}
    return customer, ticket, received[f"Answer to your request {ticket.number}"]


def test_an_answer_to_the_reply_to_of_our_mail_joins_the_thread(answered, intake):
    customer, ticket, mail = answered
    reply = messages.thunderbird_reply(customer.email, mail["Reply-To"], f"Re: {mail['Subject']}", TEXT,
                                       in_reply_to=mail["Message-ID"])
    inbound = intake.deliver(reply)
    assert (inbound.outcome, inbound.ticket_id) == ("joined", ticket.id)
    assert thread_of(ticket)[-1].body == TEXT


def test_an_answer_to_the_plain_address_joins_by_the_message_it_quotes(answered, intake):
    customer, ticket, mail = answered
    reply = messages.outlook_reply(customer.email, "support@example.com", "RE: your answer", TEXT,
                                   in_reply_to=mail["Message-ID"])  # a client that ignored Reply-To
    inbound = intake.deliver(reply)
    assert (inbound.outcome, inbound.ticket_id) == ("joined", ticket.id)
    assert thread_of(ticket)[-1].body == TEXT


def test_the_same_answer_from_another_address_waits_for_review(answered, intake, make):
    _customer, ticket, mail = answered
    before = len(thread_of(ticket))
    spoofed = messages.gmail_reply(make.customer().email, mail["Reply-To"], f"Re: {mail['Subject']}", TEXT,
                                   in_reply_to=mail["Message-ID"])
    inbound = intake.deliver(spoofed)
    assert inbound.outcome == "needs_review" and len(thread_of(ticket)) == before
