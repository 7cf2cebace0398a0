"""Virus Lab demo data: harmless samples and requests for `seed-demo`.

The EICAR anti-virus test string is assembled here at run time from pieces, so no file in the repository is
itself the test file (scanners would quarantine it). The YARA rules that match the demo samples ship in seeds/yara/.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta

import pyzipper
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs.worker import run_due
from backoffice.models import Customer, RequestType, Submission
from backoffice.security import Actor
from backoffice.services.viruslab.analysis import ANALYSE
from backoffice.services.viruslab.submissions import RequestForm, create_submission
from backoffice.storage import store_stream

_EICAR_PARTS = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-", "ANTIVIRUS-TEST-", "FILE!$H+H*")
DEMO_SCRIPT = b"@echo off\r\nrem VIRUSLAB-DEMO-SUSPICIOUS harmless demo script: it only prints a line\r\necho hello\r\n"


def eicar_bytes() -> bytes:
    return "".join(_EICAR_PARTS).encode("ascii")


def encrypted_zip(members: dict[str, bytes], password: str = "infected") -> bytes:
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(password.encode())
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def seed_viruslab(customer_email: str = "customer@example.com") -> Iterator[str]:
    """Three requests from the demo customer (idempotent): the EICAR file zipped with `infected`, the bare
    EICAR file as a false alarm, and a harmless 'suspicious' script."""
    customer = db.session.scalar(select(Customer).where(Customer.email == customer_email))
    if customer is None:
        return
    if db.session.scalar(select(Submission.id).where(Submission.customer_id == customer.id).limit(1)):
        yield "viruslab demo requests exist already"
        return
    actor = Actor.system("seed-demo")
    yesterday = (utcnow() - timedelta(days=1)).date()
    demo = [
        (RequestType.UNKNOWN_MALWARE, "eicar.zip", encrypted_zip({"eicar.com": eicar_bytes()}),
         "My product found this file in my downloads; zipped with the password infected.", None),
        (RequestType.FALSE_ALARM, "eicar.com", eicar_bytes(),
         "I think this is the harmless EICAR test file, not a virus.", "EICAR-Test-File"),
        (RequestType.UNKNOWN_MALWARE, "setup.bat", DEMO_SCRIPT, "A script that appeared on my desktop.", None),
    ]
    for request_type, file_name, data, description, detection in demo:
        blob = store_stream(io.BytesIO(data), max_bytes=len(data))
        form = RequestForm(request_type, description, "Kaspersky Internet Security", yesterday, detection,
                           file_name)
        submission = create_submission(actor, customer, form, blob)
        yield f"viruslab request {submission.number} ({file_name})"
    # analysed here, so the demo opens with its YARA matches even before a worker runs
    run_due(kind_names=[ANALYSE])
