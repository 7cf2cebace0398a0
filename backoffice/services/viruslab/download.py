"""Handing a sample to an analyst: only ever inside an AES-encrypted zip with the agreed password, named after
its SHA-256. The raw bytes never leave the server any other way. `aes_zip` is the one place such a zip is made:
a risky ticket file reaches support staff the same way."""

from __future__ import annotations

import tempfile
from typing import BinaryIO

import pyzipper
from flask import current_app

from backoffice.extensions import db
from backoffice.models import Sample
from backoffice.security import Actor
from backoffice.services.audit import record
from backoffice.storage import blob_path


def sample_zip(actor: Actor, sample: Sample) -> tuple[BinaryIO, str]:
    """An open temporary file holding the sample as `<sha256>` inside an AES zip, and the download name.
    The download is audited."""
    out = aes_zip(sample.sha256)
    record(actor, "sample.downloaded", sample, after={"sha256": sample.sha256})
    db.session.commit()
    return out, f"{sample.sha256}.zip"


def aes_zip(sha256: str) -> BinaryIO:
    """An open temporary file: the blob `sha256` as the one member `<sha256>` of a zip encrypted with WinZip AES
    under SAMPLE_ZIP_PASSWORD. Spooled to disk (not memory); it disappears when closed."""
    out = tempfile.TemporaryFile()
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(current_app.config["SAMPLE_ZIP_PASSWORD"].encode())
        archive.write(blob_path(sha256), arcname=sha256)
    out.seek(0)
    return out
