"""Mail that answers no ticket: from an active customer a new request in the queue of the address it was sent to,
with its files under the web uploads' limits and checks; from anyone else (unknown, pending, locked: the same
words) one auto-reply a day pointing to the portal, and no ticket."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import Attachment, CustomerStatus, Job, OutboxMessage, Ticket
from backoffice.services.support.file_checks import CHECK_FILE
from tests.mail_intake import messages

PDF = b"%PDF-1.4\n" + b"x" * 2000


def tickets() -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket))


def test_an_active_customer_opens_a_general_request_with_its_files(app, make, intake):
    customer = make.customer()
    mail = messages.new_mail(customer.email, "support@example.com", "Scanner hangs at start",
                             "Since yesterday the scanner hangs.\n\nThanks, Ann",
                             files=[("scan-log.pdf", "application/pdf", PDF)])
    inbound = intake.deliver(mail)
    assert inbound.outcome == "created"
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert (ticket.customer_id, ticket.subject, ticket.request_type.code) == (customer.id, "Scanner hangs at start",
                                                                              "general")
    assert "Since yesterday the scanner hangs." in ticket.description
    files = list(db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)))
    assert [(f.filename, f.size, f.source) for f in files] == [("scan-log.pdf", len(PDF), "mail")]
    checks = db.session.scalars(select(Job.payload).where(Job.kind == CHECK_FILE)).all()
    assert {"attachment_id": files[0].id} in checks  # scanned like a web upload
    confirmation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == customer.email))
    assert confirmation.template == "ticket_created"


def test_the_receiving_address_picks_the_queue(app_config, app, make, intake):
    app.config["MAIL_INTAKE_QUEUES"] = {"Sales@Example.com": "presale"}
    customer = make.customer()
    inbound = intake.deliver(messages.new_mail(customer.email, "sales@example.com", "Price for 50 seats",
                                               "What would 50 seats cost?"))
    assert db.session.get(Ticket, inbound.ticket_id).request_type.code == "presale"


def test_files_over_the_limits_are_left_out_with_a_note(app, make, intake):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    customer = make.customer()
    mail = messages.new_mail(customer.email, "support@example.com", "Big dump", "Here is the memory dump.",
                             files=[("dump.bin", "application/octet-stream", b"\0" * 5000),
                                    ("small.txt", "text/plain", b"ok")])
    inbound = intake.deliver(mail)
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert [a.filename for a in db.session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id))] \
        == ["small.txt"]
    assert "“dump.bin” was not attached" in ticket.description


def test_the_same_mail_twice_makes_one_request(app, make, intake):
    customer = make.customer()
    mail = messages.new_mail(customer.email, "support@example.com", "Once only", "Please make one request.")
    first = intake.deliver(mail)
    del mail["Received"]
    mail["Received"] = "from relay2.example.net by mx.example.com"  # the same message over another path
    second = intake.deliver(mail)
    assert first.id == second.id and tickets() == 1


@pytest.mark.parametrize("status", [None, CustomerStatus.PENDING, CustomerStatus.LOCKED])
def test_no_active_account_gets_one_auto_reply_a_day_and_no_ticket(smtp, app, make, intake, status):
    address = "stranger@client.example.net"
    if status:
        make.customer(email=address, status=status)
    first = intake.deliver(messages.new_mail(address, "support@example.com", "Help", "My antivirus is broken."))
    second = intake.deliver(messages.new_mail(address, "support@example.com", "Help!!", "Still broken."))
    assert (first.outcome, second.outcome) == ("auto_replied", "ignored")
    assert "already answered automatically today" in second.reason
    assert tickets() == 0
    deliver_due()
    sent = smtp.wait_for(1)
    assert len(sent) == 1 and sent[0]["To"] == address
    assert sent[0]["Auto-Submitted"] == "auto-replied"
    assert sent[0]["In-Reply-To"] == first.message_id
    text = smtp.text_of(sent[0])
    assert "http://portal.example.com/register" in text and "http://portal.example.com/support/new" in text


def test_the_auto_reply_says_the_same_whatever_the_account(app, make, intake):
    make.customer(email="locked@client.example.net", status=CustomerStatus.LOCKED)
    for address in ("locked@client.example.net", "nobody@client.example.net"):
        intake.deliver(messages.new_mail(address, "support@example.com", "Help", "Please help."))
    bodies = {body for (body,) in db.session.execute(select(OutboxMessage.body_text))}
    assert len(bodies) == 1  # nothing tells whether an address has an account


def test_an_out_of_office_from_a_stranger_gets_no_answer(app, make, intake):
    inbound = intake.deliver(messages.out_of_office("away@client.example.net", "support@example.com", "Help"))
    assert inbound.outcome == "ignored" and "Auto-Submitted" in inbound.reason
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
