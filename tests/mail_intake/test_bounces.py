"""A delivery report about mail we sent marks that outbox message bounced and its address as bouncing; a delay
report changes nothing; neither is ever answered."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import OutboxMessage, OutboxStatus
from backoffice.models.inbound_mail import BouncingAddress
from backoffice.services.mail_intake.bounces import is_bouncing
from tests.mail_intake import messages
from tests.support.helpers import make_ticket


def sent_mail(customer, ticket) -> OutboxMessage:
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_addr == customer.email))
    message.status, message.message_id, message.ticket_id = OutboxStatus.SENT, "<t-1.x@example.com>", ticket.id
    db.session.commit()
    return message


def test_a_failure_report_marks_the_message_and_the_address(app, make, intake):
    customer = make.customer(email="gone@client.example.net")
    sent = sent_mail(customer, make_ticket(customer))
    outbox_before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    inbound = intake.deliver(messages.delivery_report("<t-1.x@example.com>", customer.email))
    assert inbound.outcome == "bounce" and f"outbox message {sent.id}" in inbound.reason
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sent.id).status == OutboxStatus.BOUNCED
    record = is_bouncing("Gone@Client.example.net")
    assert record.bounces == 1 and "5.1.1" in record.last_status
    intake.deliver(messages.delivery_report("<t-1.x@example.com>", customer.email))  # the next report counts up
    db.session.expire_all()
    assert is_bouncing(customer.email).bounces == 2
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before  # nobody answered


def test_a_delay_report_changes_nothing(app, make, intake):
    customer = make.customer(email="slow@client.example.net")
    sent = sent_mail(customer, make_ticket(customer))
    inbound = intake.deliver(messages.delivery_report("<t-1.x@example.com>", customer.email, action="delayed",
                                                      status="4.4.1"))
    assert inbound.outcome == "bounce" and "delay" in inbound.reason
    db.session.expire_all()
    assert db.session.get(OutboxMessage, sent.id).status == OutboxStatus.SENT
    assert db.session.scalar(select(func.count()).select_from(BouncingAddress)) == 0
