"""Ticket files handled like samples, over HTTP: the check job types and scans each file (a real worker process or
run_due), the console ticket page says "not scanned yet" before it and shows type, SHA-256 and scan after; a
risky file reaches staff only as an AES zip holding its exact bytes, an ordinary one raw with nosniff; a customer
never gets another customer's file."""

from __future__ import annotations

import io
import re

import pytest
import pyzipper
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.jobs.worker import run_due
from backoffice.models import Attachment, AuditEvent, Ticket
from backoffice.seeding.viruslab import eicar_bytes
from backoffice.services.support.file_checks import CHECK_FILE
from backoffice.storage import blob_path
from tests.conftest import wait_until
from tests.factories import PASSWORD

# an MS-DOS/PE program as libmagic sees one: the "MZ" header with its PE offset, then the PE signature
EXECUTABLE = (b"MZ\x90\x00\x03" + b"\x00" * 55 + (64).to_bytes(4, "little") + b"PE\x00\x00\x4c\x01\x01\x00"
              + b"\x00" * 200 + b"This program cannot be run in DOS mode.")
TEXT = b"Hello support,\nthe scan window stays open after the update.\n"
EICAR = eicar_bytes()  # assembled from parts: no tracked file holds the test string whole


def wizard_ticket(web, files: list[tuple[bytes, str]], type_code: str = "presale", product=None,
                  sysinfo: tuple[bytes, str] | None = None) -> Ticket:
    """A request sent through the portal's wizard over HTTP, with `files` attached at step 3."""
    key = re.search(r"/support/new/([A-Za-z0-9_-]+)/step/1$", web.get("/support/new").location).group(1)

    def step(number, data):
        response = web.post(f"/support/new/{key}/step/{number}", data={"action": "next", **data},
                            content_type="multipart/form-data")
        assert response.status_code == 302, response.get_data(as_text=True)

    step(1, {"type_code": type_code})
    step(2, {"product_id": str(product.id) if product else ""})
    step(3, {"subject": "Strange file on my computer", "description": "Please look at the attached files.",
             "files": [(io.BytesIO(data), name) for data, name in files]})
    step(4, {"os_name": "Windows 11", "product_version": "21.3.10.391",
             **({"sysinfo": (io.BytesIO(sysinfo[0]), sysinfo[1])} if sysinfo else {})})
    assert web.post(f"/support/new/{key}/submit").status_code == 302
    return db.session.scalar(select(Ticket).order_by(Ticket.id.desc()).limit(1))


def file_named(ticket: Ticket, name: str) -> Attachment:
    db.session.expire_all()
    return db.session.scalar(select(Attachment).where(Attachment.ticket_id == ticket.id, Attachment.filename == name))


def section(page: str, attachment: Attachment) -> str:
    """The ticket page's entry for one file."""
    match = re.search(rf'<li class="border-top pt-1 mt-1" id="file-{attachment.id}">(.*?)</li>', page, re.S)
    assert match, f"file {attachment.filename} not on the page"
    return match.group(1)


def run_checks() -> int:
    return run_due(kind_names=[CHECK_FILE]).attempted


@pytest.fixture
def staff(app, make):
    client = app.test_client()
    client.post("/console/login", data={"email": make.staff("support").email, "password": PASSWORD})
    return client


def test_an_executable_reaches_staff_only_as_an_aes_zip_and_text_raw_with_nosniff(web, staff, app):
    ticket = wizard_ticket(web, [(EXECUTABLE, "invoice.exe"), (TEXT, "notes.txt")])
    program, notes = file_named(ticket, "invoice.exe"), file_named(ticket, "notes.txt")

    page = staff.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    for attachment in (program, notes):  # before the job ran: not scanned, so risky, zipped
        entry = section(page, attachment)
        assert "Not scanned yet" in entry and "Treated as risky until it is scanned" in entry
        assert "Download as encrypted zip" in entry
    early = staff.get(f"/console/tickets/files/{notes.id}")
    assert early.mimetype == "application/zip" and TEXT not in early.data

    assert run_checks() == 2
    page = staff.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    entry = section(page, file_named(ticket, "invoice.exe"))
    assert "Risky: executable program" in entry and program.sha256 in entry and "executable" in entry.split("Type:")[1]
    assert "no YARA rule matched" in entry and "Not scanned yet" not in entry and "UTC" in entry
    assert "Download as encrypted zip" in entry and "password <code>infected</code>" in entry
    entry = section(page, file_named(ticket, "notes.txt"))
    assert "Ordinary file" in entry and "text" in entry.split("Type:")[1] and notes.sha256 in entry
    assert ">Download</a>" in entry

    zipped = staff.get(f"/console/tickets/files/{program.id}")
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    assert "attachment" in zipped.headers["Content-Disposition"] and "invoice.exe.zip" in zipped.headers[
        "Content-Disposition"]
    assert EXECUTABLE[:64] not in zipped.data and b"This program cannot be run" not in zipped.data
    with pyzipper.AESZipFile(io.BytesIO(zipped.data)) as archive:
        assert archive.namelist() == [program.sha256]
        with pytest.raises(RuntimeError):  # encrypted: no password, no bytes
            archive.read(program.sha256)
        archive.setpassword(b"infected")
        assert archive.read(program.sha256) == EXECUTABLE

    raw = staff.get(f"/console/tickets/files/{notes.id}")
    assert raw.status_code == 200 and raw.data == TEXT
    assert raw.headers["Content-Type"] == "application/octet-stream"
    assert raw.headers["X-Content-Type-Options"] == "nosniff"
    assert raw.headers["Content-Disposition"].startswith("attachment") and "notes.txt" in raw.headers[
        "Content-Disposition"]
    downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket_file.downloaded")
                                   .order_by(AuditEvent.id)).all()
    assert [event.after["zipped"] for event in downloads] == [True, True, False]


def test_the_customer_of_another_ticket_gets_404(app, web, customer, make, sign_in_customer):
    ticket = wizard_ticket(web, [(TEXT, "notes.txt")])
    notes = file_named(ticket, "notes.txt")
    other = make.customer(email="mallory@example.com")
    theirs = wizard_ticket(sign_in_customer(app.test_client(), other), [(b"mine", "mine.txt")])
    mallory = sign_in_customer(app.test_client(), other)
    assert mallory.get(f"/support/requests/{ticket.number}/files/{notes.id}").status_code == 404
    assert mallory.get(f"/support/requests/{theirs.number}/files/{notes.id}").status_code == 404  # own number
    assert mallory.get(f"/support/requests/{ticket.number}").status_code == 404
    own = web.get(f"/support/requests/{ticket.number}/files/{notes.id}")
    assert own.status_code == 200 and own.data == TEXT


def test_a_real_worker_scans_and_a_rule_match_is_risky_whatever_the_name(web, staff, workers, app):
    ticket = wizard_ticket(web, [(EICAR, "readme.txt")])
    readme = file_named(ticket, "readme.txt")
    assert "Not scanned yet" in section(staff.get(f"/console/tickets/{ticket.number}").get_data(as_text=True),
                                        readme)
    workers.start()
    wait_until(lambda: file_named(ticket, "readme.txt").check_state == "scanned", message="the file's check")
    readme = file_named(ticket, "readme.txt")
    assert readme.risk == "rule_match" and readme.rules_matched == ["EICAR_Test_File"]
    assert readme.md5 and readme.sha1 and len(readme.sha512) == 128
    entry = section(staff.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), readme)
    assert "Risky: a YARA rule matched" in entry and "matched EICAR_Test_File" in entry
    assert staff.get(f"/console/tickets/files/{readme.id}").mimetype == "application/zip"


def test_a_reply_and_an_ftp_file_are_checked_too(app, web, customer, staff, tmp_path):
    from backoffice.services.support.ftp import add_ftp_file

    ticket = wizard_ticket(web, [])
    reply = web.post(f"/support/requests/{ticket.number}/reply", content_type="multipart/form-data",
                     data={"body": "One more file.", "files": (io.BytesIO(b"@echo off\r\ndel *.*\r\n"), "fix.bat")})
    assert reply.status_code == 302
    path = tmp_path / "incoming.bin"  # where the FTP server spooled an upload
    path.write_bytes(EXECUTABLE)
    add_ftp_file(ticket.id, path, "big.exe")
    assert run_checks() == 2
    assert file_named(ticket, "fix.bat").risk == "script"  # plain text to libmagic, a script to Windows
    assert file_named(ticket, "big.exe").risk == "executable"
    page = staff.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "Risky: script" in section(page, file_named(ticket, "fix.bat"))


def test_a_file_that_cannot_be_scanned_stays_risky(web, staff, app):
    ticket = wizard_ticket(web, [(b"just words", "words.txt")])
    words = file_named(ticket, "words.txt")
    blob_path(words.sha256).unlink()  # the store lost it: the job fails for good
    run_checks()
    entry = section(staff.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), file_named(ticket,
                                                                                                      "words.txt"))
    assert "Scan failed: The file is missing from the store." in entry
    assert "Treated as risky: the scan did not finish" in entry


def test_scan_again_queues_a_fresh_check(web, staff, app):
    ticket = wizard_ticket(web, [(TEXT, "notes.txt")])
    run_checks()
    notes = file_named(ticket, "notes.txt")
    assert notes.check_state == "scanned"
    response = staff.post(f"/console/tickets/files/{notes.id}/scan-again", follow_redirects=True)
    assert "queued for a new scan" in response.get_data(as_text=True)
    assert file_named(ticket, "notes.txt").check_state == "pending"
    assert staff.get(f"/console/tickets/files/{notes.id}").mimetype == "application/zip"
    assert run_checks() == 1 and file_named(ticket, "notes.txt").check_state == "scanned"


def test_an_analyst_cannot_download_ticket_files(app, make, web):
    ticket = wizard_ticket(web, [(TEXT, "notes.txt")])
    analyst = app.test_client()
    analyst.post("/console/login", data={"email": make.staff("analyst").email, "password": PASSWORD})
    assert analyst.get(f"/console/tickets/files/{file_named(ticket, 'notes.txt').id}").status_code == 403
