"""`backoffice mail-fetch` against a real Dovecot on loopback: messages appended over IMAP are stored, marked seen
(or moved) only after they are recorded, and threaded by the intake job; STARTTLS and TLS; IDLE wakes it for new
mail; a fetcher killed between storing and marking leaves no duplicate; an oversized message is refused unread."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.mail_fetch import Fetcher
from backoffice.models import Ticket, TicketMessage
from backoffice.models.inbound_mail import InboundMessage
from backoffice.services.mail_intake.receive import receive
from backoffice.services.support.reply_address import reply_address
from tests.conftest import Workers, wait_until
from tests.mail_intake import messages
from tests.mail_intake.dovecot import DOVECOT, Dovecot
from tests.support.helpers import make_ticket

CLIENTS = [messages.gmail_reply, messages.outlook_reply, messages.apple_reply, messages.thunderbird_reply]


@contextmanager
def running_dovecot(capabilities: str | None = None):
    if not Path(DOVECOT).exists():
        pytest.fail(f"Dovecot is missing at {DOVECOT}: run make install (it installs Debian's dovecot-imapd)")
    # its own directory under /tmp, not pytest's (whose parents only root may enter, and Dovecot runs as nobody)
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    server = Dovecot(root, capabilities)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def dovecot():
    with running_dovecot() as server:
        yield server


@pytest.fixture
def mailbox(dovecot):
    """The test's own IMAP session on an emptied INBOX (and Done folder)."""
    client = dovecot.client()
    for folder in ("Done", "INBOX"):
        client.select_folder(folder)
        everything = client.search(["ALL"])
        if everything:
            client.delete_messages(everything)
            client.expunge()
    yield client
    client.logout()


@pytest.fixture
def imap_app(app, dovecot):
    app.config.update(dovecot.settings("starttls"))
    return app


def flags(mailbox) -> list[set]:
    mailbox.select_folder("INBOX")
    return [set(entry[b"FLAGS"]) for entry in mailbox.fetch(mailbox.search(["ALL"]), ["FLAGS"]).values()]


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def replies(customer, ticket, n: int) -> list[bytes]:
    return [messages.wire(CLIENTS[i % 4](customer.email, reply_address(ticket.id), "Re: x", f"Answer number {i}."))
            for i in range(n)]


def test_fetched_replies_are_stored_marked_and_threaded(imap_app, make, intake, mailbox):
    customer = make.customer()
    ticket = make_ticket(customer)
    for raw in replies(customer, ticket, 4):
        mailbox.append("INBOX", raw)
    report = Fetcher(imap_app).run(once=True)
    assert len(report.stored) == 4 and report.duplicates == []
    assert all(b"\\Seen" in entry for entry in flags(mailbox))
    intake.run()
    bodies = [m.body for m in db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                                                 .order_by(TicketMessage.id))][1:]
    assert bodies == [f"Answer number {i}." for i in range(4)]
    assert Fetcher(imap_app).run(once=True).stored == []  # nothing new: seen mail is not read again


def test_implicit_tls_and_a_done_folder(app, dovecot, make, mailbox):
    app.config.update(dovecot.settings("tls"), IMAP_DONE_FOLDER="Done")
    mailbox.append("INBOX", messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x",
                                                            "Hello.")))
    assert len(Fetcher(app).run(once=True).stored) == 1
    assert flags(mailbox) == []  # moved away
    mailbox.select_folder("Done")
    assert len(mailbox.search(["SEEN"])) == 1


def test_a_fetcher_that_died_after_storing_leaves_no_duplicate(imap_app, make, intake, mailbox):
    """The state a crash between commit and flag leaves: recorded, still unseen in the mailbox."""
    customer = make.customer()
    ticket = make_ticket(customer)
    raws = replies(customer, ticket, 3)
    for raw in raws:
        mailbox.append("INBOX", raw)
    mailbox.select_folder("INBOX")
    stored_before = [receive(raw, "imap").inbound_id for raw in raws[:2]]  # the dead run got this far
    report = Fetcher(imap_app).run(once=True)
    assert sorted(report.duplicates) == sorted(stored_before) and len(report.stored) == 1
    assert all(b"\\Seen" in entry for entry in flags(mailbox))
    intake.run()
    assert count(InboundMessage) == 3
    assert count(TicketMessage, TicketMessage.ticket_id == ticket.id) == 4


def test_a_fetcher_process_killed_mid_batch_then_run_again_takes_each_message_once(app_config, imap_app, make,
                                                                                     intake, mailbox, dovecot):
    customer = make.customer()
    ticket = make_ticket(customer)
    total = 30
    for raw in replies(customer, ticket, total):
        mailbox.append("INBOX", raw)
    command = [str(Path(sys.executable).with_name("backoffice")), "mail-fetch"]
    env = Workers(app_config).env(**dovecot.settings("starttls"))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: count(InboundMessage) >= 3, timeout=90, message="the fetcher storing its first messages")
        process.send_signal(signal.SIGKILL)  # mid-batch: some stored, maybe one stored but not yet marked
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
    stored_by_the_dead = count(InboundMessage)
    assert stored_by_the_dead < total
    report = Fetcher(imap_app).run(once=True)
    assert len(report.stored) + stored_by_the_dead == total
    assert all(b"\\Seen" in entry for entry in flags(mailbox))
    while intake.run().attempted:
        pass
    assert count(TicketMessage, TicketMessage.ticket_id == ticket.id) == total + 1
    bodies = db.session.scalars(select(TicketMessage.body).where(TicketMessage.ticket_id == ticket.id)).all()
    assert len(set(bodies)) == total + 1  # every answer once


def test_an_oversized_message_is_recorded_from_its_headers_and_never_answered(imap_app, mailbox):
    imap_app.config["MAIL_INTAKE_MAX_BYTES"] = 5_000
    mail = messages.new_mail("a@client.example.net", "support@example.com", "Huge", ("z" * 70 + "\n") * 200)
    mailbox.append("INBOX", messages.wire(mail))
    report = Fetcher(imap_app).run(once=True)
    assert len(report.refused) == 1
    inbound = db.session.get(InboundMessage, report.refused[0])
    assert (inbound.outcome, inbound.subject, inbound.from_addr) == ("refused", "Huge", "a@client.example.net")
    assert all(b"\\Seen" in entry for entry in flags(mailbox))
    assert Fetcher(imap_app).run(once=True).refused == []
    assert count(Ticket) == 0


def test_idle_wakes_the_fetcher_for_new_mail(imap_app, mailbox):
    imap_app.config["IMAP_POLL_SECONDS"] = 60  # a poll would come far too late: only IDLE can be this quick
    result = {}
    fetcher = Fetcher(imap_app)
    thread = threading.Thread(target=lambda: result.update(report=fetcher.run(rounds=2)), daemon=True)
    thread.start()
    time.sleep(1.0)  # the first round found nothing; the fetcher now waits in IDLE
    started = time.monotonic()
    mailbox.append("INBOX", messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x",
                                                            "Wake up.")))
    thread.join(timeout=20)
    assert not thread.is_alive() and time.monotonic() - started < 20
    assert len(result["report"].stored) == 1


def test_without_idle_the_fetcher_polls(app, make):
    with running_dovecot(capabilities="IMAP4rev1 LITERAL+ UIDPLUS MOVE") as plain:
        app.config.update(plain.settings("starttls"), IMAP_POLL_SECONDS=1)
        fetcher = Fetcher(app)
        client = fetcher.connect()
        assert not client.has_capability("IDLE")
        client.logout()
        result = {}
        thread = threading.Thread(target=lambda: result.update(report=fetcher.run(rounds=3)), daemon=True)
        thread.start()
        mailbox = plain.client()
        mailbox.append("INBOX", messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x",
                                                                "Found by a poll.")))
        mailbox.logout()
        thread.join(timeout=20)
        assert not thread.is_alive() and len(result["report"].stored) == 1


def test_the_command_fetches_once_and_says_what_is_missing(imap_app, runner, mailbox):
    mailbox.append("INBOX", messages.wire(messages.new_mail("a@client.example.net", "support@example.com", "x",
                                                            "By the command.")))
    result = runner.invoke(args=["mail-fetch", "--once"])
    assert result.exit_code == 0 and "stored 1, already stored 0" in result.output
    imap_app.config["IMAP_PASSWORD"] = "wrong"
    failed = runner.invoke(args=["mail-fetch", "--once"])
    assert failed.exit_code == 1 and "mail-fetch stopped" in failed.output
    imap_app.config["IMAP_HOST"] = None
    unset = runner.invoke(args=["mail-fetch", "--once"])
    assert unset.exit_code == 1 and "Set BACKOFFICE_IMAP_HOST" in unset.output
