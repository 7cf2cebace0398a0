"""`backoffice mail-receive`: a real SMTP client (smtplib) delivers to the aiosmtpd server over SMTP and LMTP;
what it answered 250 for is stored and then threaded; foreign recipients and oversized messages are refused in
the session (so we never bounce to a stranger)."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.mail_receive import make_controller
from backoffice.models import TicketMessage
from backoffice.models.inbound_mail import InboundMessage
from backoffice.services.support.reply_address import reply_address
from tests.conftest import Workers, wait_until
from tests.mail_intake import messages
from tests.smtp import free_port
from tests.support.helpers import make_ticket


@pytest.fixture
def receiver(app):
    controllers = []

    def start(protocol: str = "smtp"):
        controller = make_controller(app, "127.0.0.1", free_port(), protocol)
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def inbound_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InboundMessage))


def test_smtp_delivery_is_stored_then_threaded(app, make, intake, receiver):
    customer = make.customer()
    ticket = make_ticket(customer)
    server = receiver("smtp")
    mail = messages.gmail_reply(customer.email, "support@example.com", "Re: x", "Works now, thank you.")
    with smtplib.SMTP(server.hostname, server.port, timeout=10) as client:
        # the envelope names the ticket's address (a Bcc, or an alias the MTA resolved), the headers do not
        refused = client.sendmail(customer.email, [reply_address(ticket.id)], messages.wire(mail))
    assert refused == {}
    assert inbound_count() == 1
    intake.run()
    db.session.expire_all()
    last = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id.desc())).first()
    assert last.body == "Works now, thank you."


def test_lmtp_answers_each_recipient(app, make, receiver):
    server = receiver("lmtp")
    mail = messages.new_mail("someone@client.example.net", "support@example.com", "x", "Hello.")
    client = smtplib.LMTP(server.hostname, server.port, timeout=10)
    try:
        refused = client.sendmail("someone@client.example.net", ["support@example.com", "sales@example.com"],
                                  messages.wire(mail))
    finally:
        client.quit()
    assert refused == {}
    inbound = db.session.scalar(select(InboundMessage))
    assert inbound.source == "lmtp" and "sales@example.com" in inbound.to_addrs


def test_foreign_recipients_and_oversized_mail_are_refused_in_the_session(app, receiver):
    app.config["MAIL_INTAKE_MAX_BYTES"] = 20_000
    server = receiver("smtp")
    with smtplib.SMTP(server.hostname, server.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail("a@client.example.net", ["victim@elsewhere.example.org"], b"Subject: relay?\r\n\r\nx")
    big = messages.new_mail("a@client.example.net", "support@example.com", "big", ("y" * 70 + "\n") * 430)
    server2 = receiver("smtp")
    with smtplib.SMTP(server2.hostname, server2.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPResponseException) as refused:
            client.sendmail("a@client.example.net", ["support@example.com"], messages.wire(big))
    assert refused.value.smtp_code == 552
    assert inbound_count() == 0


def test_the_command_serves_until_stopped(app_config, app, make):
    port = free_port()
    env = Workers(app_config).env(MAIL_RECEIVE_PORT=port, MAIL_RECEIVE_PROTOCOL="smtp")
    process = subprocess.Popen([str(Path(sys.executable).with_name("backoffice")), "mail-receive"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90  # a loaded machine takes its time to start a Python process
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except OSError:
                assert process.poll() is None, "mail-receive exited"  # its output is printed below
                assert time.monotonic() < deadline, "mail-receive did not listen in time"
                time.sleep(0.2)
        with client:
            client.sendmail("a@client.example.net", ["support@example.com"],
                            messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x",
                                                            "Hi.")))
        assert wait_until(inbound_count, message="the message stored by the command") == 1
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            code = process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait(timeout=10)
        print(process.stdout.read())  # shown with a failing test's output (the process has ended: no blocking)
        process.stdout.close()
    assert code == 0
    assert os.environ.get("BACKOFFICE_MAIL_RECEIVE_PORT") is None  # the test's settings stayed with the process
