"""Virus Lab demo data (seeds/demo/viruslab.toml): harmless samples and requests for `seed-demo`.

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
from backoffice.seeding.files import demo_data
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


# what seeds/demo/viruslab.toml's `content` names: harmless files built here
CONTENTS = {
    "eicar": eicar_bytes,
    "eicar-zip": lambda: encrypted_zip({"eicar.com": eicar_bytes()}),
    "demo-script": lambda: DEMO_SCRIPT,
}


def seed_viruslab() -> Iterator[str]:
    """The demo customer's requests of seeds/demo/viruslab.toml (idempotent): the EICAR file zipped with
    `infected`, the bare EICAR file as a false alarm, and a harmless 'suspicious' script."""
    data = demo_data("viruslab")
    customer = db.session.scalar(select(Customer).where(Customer.email == data["customer"]))
    if customer is None:
        return
    if db.session.scalar(select(Submission.id).where(Submission.customer_id == customer.id).limit(1)):
        yield "viruslab demo requests exist already"
        return
    actor = Actor.system("seed-demo")
    yesterday = (utcnow() - timedelta(days=1)).date()
    for request in data["requests"]:
        content = CONTENTS[request["content"]]()
        blob = store_stream(io.BytesIO(content), max_bytes=len(content))
        form = RequestForm(RequestType(request["type"]), request["description"], "Kaspersky Internet Security",
                           yesterday, request.get("detection"), request["file_name"])
        submission = create_submission(actor, customer, form, blob)
        yield f"viruslab request {submission.number} ({request['file_name']})"
    # analysed here, so the demo opens with its YARA matches even before a worker runs
    run_due(kind_names=[ANALYSE])
