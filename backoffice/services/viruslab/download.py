"""Handing a sample to an analyst: only ever inside an AES-encrypted zip with the agreed password, named after
its SHA-256. The raw bytes never leave the server any other way."""

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
    The file is spooled to disk (not memory) and disappears when closed. The download is audited."""
    out = tempfile.TemporaryFile()
    with pyzipper.AESZipFile(out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(current_app.config["SAMPLE_ZIP_PASSWORD"].encode())
        archive.write(blob_path(sample.sha256), arcname=sample.sha256)
    out.seek(0)
    record(actor, "sample.downloaded", sample, after={"sha256": sample.sha256})
    db.session.commit()
    return out, f"{sample.sha256}.zip"
