"""What the check job makes of a ticket file: its class from the bytes (libmagic) and the YARA result, then the
name it will be saved under; one function says whether staff get it zipped."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from backoffice.extensions import db
from backoffice.models import Attachment
from backoffice.services.support.attachments import Upload
from backoffice.services.support.correspondence import customer_reply
from backoffice.services.support.file_risk import is_risky
from config import Config
from tests.console.test_ticket_files import EICAR, EXECUTABLE, TEXT, run_checks
from tests.office_files import ole_document, ooxml_document
from tests.support.helpers import customer_actor, make_ticket
from tests.viruslab_files import plain_zip

CASES = [
    (EXECUTABLE, "invoice.dat", "executable"),  # by its bytes, whatever the name
    (TEXT, "notes.txt", "ordinary"),
    (TEXT, "setup.bat", "script"),  # text to libmagic; Windows runs it
    (b"#!/bin/sh\nrm -rf ~\n", "cleanup", "script"),
    (b"<html><script>alert(1)</script></html>", "page.html", "script"),
    (plain_zip({"a.txt": b"hello"}), "logs.bin", "archive"),
    (ooxml_document(macros=False), "letter.docx", "ordinary"),
    (ooxml_document(macros=True), "letter.docx", "macros"),  # a .docm renamed
    (ole_document(("WordDocument",)), "old.doc", "ordinary"),
    (ole_document(("Macros", "WordDocument")), "old.doc", "macros"),
    (ole_document(("_VBA_PROJECT_CUR",)), "sheet.xls", "macros"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\n", "quote.pdf", "ordinary"),
    (EICAR, "readme.txt", "rule_match"),
    (EXECUTABLE, "setup.bat", "executable"),  # a program named as a script is a program
]


@pytest.fixture(autouse=True)
def eicar_rule_only(app_config, tmp_path):
    """The EICAR rule alone: the demo set's Zip_Archive rule matches every zip, .docx included."""
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(Path(Config.YARA_RULES_DIR) / "eicar.yar", rules / "eicar.yar")
    app_config["YARA_RULES_DIR"] = str(rules)


@pytest.fixture
def ticket(make):
    return make_ticket(make.customer())


def checked(ticket, data: bytes, name: str) -> Attachment:
    message = customer_reply(ticket, customer_actor(ticket.customer), "A file.", [Upload(io.BytesIO(data), name)])
    run_checks()
    db.session.expire_all()
    return db.session.get(Attachment, message.attachments[0].id)


@pytest.mark.parametrize(("data", "name", "risk"), CASES, ids=[case[1] + ":" + case[2] for case in CASES])
def test_each_kind_of_file_gets_its_class(ticket, data, name, risk):
    attachment = checked(ticket, data, name)
    assert attachment.check_state == "scanned"
    assert attachment.risk == risk, attachment.file_type
    assert is_risky(attachment) is (risk != "ordinary")
    assert attachment.file_type and attachment.mime_type and attachment.scanned_at is not None


def test_the_same_bytes_under_the_same_rules_are_scanned_once_but_classed_by_their_own_name(ticket, monkeypatch):
    from backoffice.services.viruslab import scanning

    first = checked(ticket, TEXT, "notes.txt")
    scans = []
    real = scanning.scan_file
    monkeypatch.setattr(scanning, "scan_file", lambda *a, **k: scans.append(a) or real(*a, **k))
    second = checked(ticket, TEXT, "run.cmd")
    assert scans == []  # the twin's result stood in
    assert first.risk == "ordinary" and second.risk == "script"
    assert second.rules_version == first.rules_version and second.check_state == "scanned"


def test_not_scanned_yet_is_risky(ticket):
    message = customer_reply(ticket, customer_actor(ticket.customer), "A file.",
                             [Upload(io.BytesIO(TEXT), "notes.txt")])
    attachment = message.attachments[0]
    assert attachment.check_state == "pending" and attachment.risk is None
    assert is_risky(attachment)
