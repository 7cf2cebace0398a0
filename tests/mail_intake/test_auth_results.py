"""Who sent it: the receiving server's SPF, DKIM and DMARC verdicts are stored on the message; a DMARC failure
waits for review (or is accepted, by configuration); a header some sender wrote into the message is not believed
when the receiving server's authserv-id is configured."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Ticket, TicketMessage
from backoffice.services.support.reply_address import reply_address
from tests.mail_intake import messages
from tests.support.helpers import make_ticket


def test_the_verdicts_are_stored(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", "Fine.",
                                auth=messages.auth_header(spf="softfail", dkim="pass", dmarc="pass"))
    inbound = intake.deliver(mail)
    assert (inbound.spf, inbound.dkim, inbound.dmarc, inbound.outcome) == ("softfail", "pass", "pass", "joined")


def test_a_dmarc_failure_on_a_reply_waits_for_review(app, make, intake):
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.outlook_reply(customer.email, reply_address(ticket.id), "RE: x", "Send the key to me here.",
                                  auth=messages.auth_header(spf="fail", dkim="fail", dmarc="fail"))
    inbound = intake.deliver(mail)
    assert (inbound.outcome, inbound.ticket_id, inbound.dmarc) == ("needs_review", ticket.id, "fail")
    assert "DMARC" in inbound.reason
    assert db.session.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket.id)) == 1


def test_a_dmarc_failure_on_a_new_request_waits_for_review(app, make, intake):
    customer = make.customer()
    inbound = intake.deliver(messages.new_mail(customer.email, "support@example.com", "Move my licence",
                                               "Please move it.", auth=messages.auth_header(dmarc="fail")))
    assert inbound.outcome == "needs_review" and inbound.ticket_id is None
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_policy_can_accept_dmarc_failures(app, make, intake):
    app.config["MAIL_INTAKE_DMARC_FAIL"] = "accept"
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", "Fine.",
                                auth=messages.auth_header(dmarc="fail"))
    assert intake.deliver(mail).outcome == "joined"


def test_only_the_receiving_servers_header_is_believed(app, make, intake):
    app.config["MAIL_AUTHSERV_ID"] = "mx.example.com"
    customer = make.customer()
    ticket = make_ticket(customer)
    mail = messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", "Fine.",
                                auth=messages.auth_header(dmarc="fail", server="mx.example.com"))
    mail["Authentication-Results"] = messages.auth_header(dmarc="pass", server="forged.example.net")
    inbound = intake.deliver(mail)  # the forged "pass" comes after (below) ours, and names another server
    assert (inbound.dmarc, inbound.outcome) == ("fail", "needs_review")
