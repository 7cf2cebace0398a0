"""Staff downloads of ticket files: a risky file (file_risk.is_risky) only as the Virus Lab hands out samples,
inside an AES zip with SAMPLE_ZIP_PASSWORD; any other file raw, as a download the browser must not open or sniff.
Every staff download is audited, as sample downloads are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from backoffice.extensions import db
from backoffice.models import Attachment
from backoffice.security import Actor
from backoffice.services.audit import record
from backoffice.services.support.access import NotFound
from backoffice.services.support.file_risk import is_risky
from backoffice.services.viruslab.download import aes_zip
from backoffice.storage import blob_exists, open_blob

RAW_MIMETYPE = "application/octet-stream"  # never the uploader's content type: no page or script is rendered


@dataclass(frozen=True)
class Download:
    stream: BinaryIO
    name: str
    mimetype: str
    zipped: bool


def staff_download(actor: Actor, attachment: Attachment) -> Download:
    if attachment.ticket_id is None or not blob_exists(attachment.sha256):
        raise NotFound()
    zipped = is_risky(attachment)
    if zipped:
        download = Download(aes_zip(attachment.sha256), f"{attachment.filename}.zip", "application/zip", True)
    else:
        download = Download(open_blob(attachment.sha256), attachment.filename, RAW_MIMETYPE, False)
    record(actor, "ticket_file.downloaded", attachment,
           after={"file": attachment.filename, "sha256": attachment.sha256, "zipped": zipped})
    db.session.commit()
    return download
