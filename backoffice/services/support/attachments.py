"""Files named for a wizard draft or a ticket, stored once in the content-addressed blob store.

Limits: each web upload at most ATTACHMENT_MAX_BYTES, all files of one draft (or one reply) at most
ATTACHMENTS_TOTAL_MAX_BYTES together. Larger files go through the FTP channel (FTP_MAX_BYTES each).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from backoffice.models import Attachment
from backoffice.models.support import AttachmentSource
from backoffice.services import ServiceError
from backoffice.storage import BlobTooLarge, store_stream
from backoffice.web import format_bytes

_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}")


@dataclass
class Upload:
    """A file as the service needs it; a werkzeug FileStorage has the same three attributes."""

    stream: BinaryIO
    filename: str
    mimetype: str = "application/octet-stream"


def clean_filename(name: str | None) -> str:
    """The last path component, printable, at most 255 characters; never empty."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C")
    name = name.strip().strip(".") or "file"
    return name[-255:]


def clean_content_type(value: str | None) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.fullmatch(value) else "application/octet-stream"


def limits_text() -> str:
    config = current_app.config
    return (f"Each file may be up to {format_bytes(config['ATTACHMENT_MAX_BYTES'])}, all files together up to "
            f"{format_bytes(config['ATTACHMENTS_TOTAL_MAX_BYTES'])}.")


def store_uploads(uploads: list, already: int = 0, field: str = "files",
                  source: str = AttachmentSource.WEB) -> list[Attachment]:
    """Store each upload (skipping empty file inputs) as an unsaved Attachment with no owner yet.

    `already` is the size of the files the draft or reply holds so far; the total cap counts them too.
    """
    config = current_app.config
    per_file, total = config["ATTACHMENT_MAX_BYTES"], config["ATTACHMENTS_TOTAL_MAX_BYTES"]
    stored = []
    used = already
    for upload in uploads:
        if not getattr(upload, "filename", None):  # an empty file input, or text sent where a file belongs
            continue
        filename = clean_filename(upload.filename)
        room = total - used
        try:
            blob = store_stream(upload.stream, max_bytes=min(per_file, max(room, 0)))
        except BlobTooLarge as error:
            if error.limit >= per_file:
                raise ServiceError(f"“{filename}” is larger than {format_bytes(per_file)}. Send larger files by "
                                   "FTP: the address is on the request page once it is submitted.", field) from None
            raise ServiceError(f"“{filename}” would take the files over the total of {format_bytes(total)}. "
                               "Send more by FTP once the request is submitted.", field) from None
        used += blob.size
        stored.append(Attachment(sha256=blob.sha256, filename=filename, size=blob.size,
                                 content_type=clean_content_type(upload.mimetype), source=source))
    return stored
