"""Outgoing mail threads: the mails about one ticket reach a real SMTP server with fixed Message-IDs at the mail
domain, In-Reply-To/References over the earlier ones (oldest first), the ticket's reply address, a Date with its
zone and whole HTML documents, and parse back without a defect."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import deliver_due, queue_mail
from backoffice.mail_threads import MAX_REFERENCES
from backoffice.models import OutboxMessage, OutboxStatus
from backoffice.services.support import correspondence
from backoffice.services.support.reply_address import reply_address, ticket_id_of
from tests.mail_checks import assert_well_formed
from tests.support.helpers import make_ticket, staff_actor

DOMAIN = "mail.example.net"


@pytest.fixture
def mail_domain(app_config):
    app_config["MAIL_DOMAIN"] = DOMAIN


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_three_mails_of_one_ticket_thread_in_order_and_parse_without_defects(mail_domain, smtp, app, make):
    customer = make.customer(name="Ada Customer")
    engineer = make.staff("support", name="Sam Support")
    ticket = make_ticket(customer)
    # the answer and the resolution in one transaction: the second is chained to the first before either is stored
    correspondence.staff_reply(ticket, staff_actor(engineer), "Five computers cost 99 EUR a year.",
                               then_status="resolved")

    deliver_due()

    created, answer, resolved = smtp.wait_for(3)
    assert [m["Subject"] for m in (created, answer, resolved)] == [
        f"Request {ticket.number} received: Price of a licence", f"Answer to your request {ticket.number}",
        f"Request {ticket.number} resolved: how did we do?"]
    for email in (created, answer, resolved):
        assert_well_formed(email, DOMAIN)
        assert email["To"] == customer.email
        assert email["Reply-To"] == reply_address(ticket.id)
        assert ticket_id_of(email["Reply-To"]) == ticket.id
        assert f"http://portal.example.com/support/requests/{ticket.number}" in email.get_body(("html",)).get_content()
    assert "My Account · Technical Support" in created.get_body(("plain",)).get_content()
    assert all(raw.isascii() for raw in smtp.raw)  # 7-bit clean: no relay has to convert (and break DKIM)
    ids = [m["Message-ID"] for m in (created, answer, resolved)]
    assert len(set(ids)) == 3
    assert created["In-Reply-To"] is None and created["References"] is None
    assert answer["In-Reply-To"] == ids[0] and answer["References"].split() == ids[:1]
    assert resolved["In-Reply-To"] == ids[1] and resolved["References"].split() == ids[:2]
    # RFC 3834: the receipt and the resolution are automated; the engineer's answer is personal mail
    assert created["Auto-Submitted"] == resolved["Auto-Submitted"] == "auto-generated"
    assert answer["Auto-Submitted"] is None
    rows = _outbox()
    assert [row.message_id for row in rows] == ids  # what the intake matches a reply's References against
    assert {row.ticket_id for row in rows} == {ticket.id}


def test_a_retry_sends_the_message_id_fixed_when_it_was_queued(mail_domain, smtp, app, make):
    ticket = make_ticket(make.customer())
    [row] = _outbox()
    fixed = row.message_id
    assert fixed.endswith(f"@{DOMAIN}>")
    smtp.stop()
    deliver_due()
    [row] = _outbox()
    assert row.status == OutboxStatus.QUEUED and row.attempts == 1 and row.message_id == fixed

    smtp.start()
    row.job.run_after = row.created_at  # due again now, without waiting out the backoff
    db.session.commit()
    deliver_due()

    [email] = smtp.wait_for(1)
    assert email["Message-ID"] == fixed
    assert parsedate_to_datetime(email["Date"]) == row.created_at.replace(microsecond=0)  # written when queued
    assert_well_formed(email, DOMAIN)
    assert _outbox()[0].status == OutboxStatus.SENT and ticket.number in email["Subject"]


def test_each_recipient_has_its_own_chain_and_a_long_one_keeps_its_root(app, make):
    ticket = make_ticket(make.customer())
    for number in range(MAX_REFERENCES + 5):
        queue_mail("colleague@staff.example.com", f"Notice {number}", "staff_locked", ticket_id=ticket.id,
                   name="Colleague", failures=3)
        db.session.commit()

    rows = _outbox()
    customer_mail, colleague = rows[0], rows[1:]
    assert all(customer_mail.message_id not in (row.headers or {}).get("References", "") for row in colleague)
    last = colleague[-1].headers
    chain = last["References"].split()
    assert len(chain) == MAX_REFERENCES
    assert chain[0] == colleague[0].message_id  # the root clients thread by
    assert chain[1:] == [row.message_id for row in colleague[-MAX_REFERENCES:-1]]  # then the latest, oldest first
    assert last["In-Reply-To"] == colleague[-2].message_id
