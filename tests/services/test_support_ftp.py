"""The large-file channel: a real FTP server on loopback (pyftpdlib, in a thread) and ftplib as the client.
A request's login stores files for that request only; wrong or foreign passwords and closed requests are refused."""

from __future__ import annotations

import ftplib
import io
import threading

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.ftp_server import make_server, remove_spool
from backoffice.models import Attachment
from backoffice.services.support import correspondence
from backoffice.services.support.ftp import ftp_password
from tests.support.helpers import customer_actor, make_ticket


@pytest.fixture
def ftp_server(app, tmp_path):
    server = make_server(app, "127.0.0.1", 0, spool=tmp_path / "spool", auth_failed_timeout=0.1)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            server.serve_forever(timeout=0.05, blocking=False, handle_exit=False)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield server.address
    stop.set()
    thread.join(5)
    server.close_all()
    remove_spool(server)


def connect(address) -> ftplib.FTP:
    ftp = ftplib.FTP()
    ftp.connect(*address, timeout=10)
    return ftp


def test_a_request_login_stores_files_for_that_request_only(app, make, ftp_server):
    mine, theirs = make_ticket(make.customer()), make_ticket(make.customer())
    number, password, other_number = mine.number, ftp_password(mine), theirs.number
    ftp = connect(ftp_server)
    ftp.login(number, password)
    payload = b"\x00memory dump\xff" * 1000
    ftp.storbinary("STOR dump.dmp", io.BytesIO(payload))
    assert ftp.nlst() == []  # what arrived was taken into the request at once
    with pytest.raises(ftplib.error_perm):
        ftp.cwd(f"../{other_number}")  # no way out of the request's own folder
    ftp.quit()
    db.session.expire_all()
    files = db.session.scalars(select(Attachment).where(Attachment.source == "ftp")).all()
    assert [(f.ticket_id, f.filename, f.size) for f in files] == [(mine.id, "dump.dmp", len(payload))]
    assert files[0].message_id is None  # listed apart, as "received by FTP"


def test_wrong_and_foreign_passwords_and_closed_requests_are_refused(app, make, ftp_server):
    customer = make.customer()
    mine, theirs = make_ticket(customer), make_ticket(make.customer())
    for user, password in ((mine.number, "wrong"), (mine.number, ftp_password(theirs)),
                           ("TS-2026-999999", "x"), (mine.number.lower(), ftp_password(mine))):
        ftp = connect(ftp_server)
        with pytest.raises(ftplib.error_perm):
            ftp.login(user, password)
        ftp.close()
    correspondence.customer_close(mine, customer_actor(customer))
    ftp = connect(ftp_server)
    with pytest.raises(ftplib.error_perm):
        ftp.login(mine.number, ftp_password(mine))
    ftp.close()


def test_the_console_and_the_portal_show_what_arrived(app, make, ftp_server, console, client, sign_in_customer):
    from tests.factories import PASSWORD

    customer = make.customer()
    ticket = make_ticket(customer)
    number, password = ticket.number, ftp_password(ticket)
    portal = sign_in_customer(app.test_client(), customer)
    assert password in portal.get(f"/support/requests/{number}").get_data(as_text=True)
    ftp = connect(ftp_server)
    ftp.login(number, password)
    ftp.storbinary("STOR big-log.zip", io.BytesIO(b"PK" + b"0" * 5000))
    ftp.quit()
    console.login(make.staff("support").email, PASSWORD)
    page = client.get(f"/console/tickets/{number}").get_data(as_text=True)
    assert "Files received by FTP" in page and "big-log.zip" in page
    assert "big-log.zip" in portal.get(f"/support/requests/{number}").get_data(as_text=True)
