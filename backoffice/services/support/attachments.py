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
    """Store each upload (skipping empty file inputs) as an unsaved Attachment with no owner yet, or none of them.
    The caller adds them and queues their checks (file_checks.queue_checks) in the same transaction.

    `already` is the size of the files the draft or reply holds so far; the total cap counts them too. The sizes
    are checked before the first byte is stored, so a refused step or reply leaves nothing behind in the store.
    """
    uploads = [upload for upload in uploads if getattr(upload, "filename", None)]  # not empty inputs, not text
    _check_sizes(uploads, already, field)
    per_file, total = current_app.config["ATTACHMENT_MAX_BYTES"], current_app.config["ATTACHMENTS_TOTAL_MAX_BYTES"]
    stored = []
    used = already
    for upload in uploads:
        filename = clean_filename(upload.filename)
        try:  # the limits again, for a stream whose size could not be told beforehand
            blob = store_stream(upload.stream, max_bytes=min(per_file, max(total - used, 0)))
        except BlobTooLarge as error:
            raise ServiceError(_too_large(filename) if error.limit >= per_file else _over_total(filename),
                               field) from None
        used += blob.size
        stored.append(Attachment(sha256=blob.sha256, md5=blob.md5, sha1=blob.sha1, sha512=blob.sha512,
                                 filename=filename, size=blob.size, content_type=clean_content_type(upload.mimetype),
                                 source=source))
    return stored


def _check_sizes(uploads: list, already: int, field: str) -> None:
    used = already
    for upload in uploads:
        size = _stream_size(upload.stream)
        if size is None:
            continue
        if size > current_app.config["ATTACHMENT_MAX_BYTES"]:
            raise ServiceError(_too_large(clean_filename(upload.filename)), field)
        used += size
        if used > current_app.config["ATTACHMENTS_TOTAL_MAX_BYTES"]:
            raise ServiceError(_over_total(clean_filename(upload.filename)), field)


def _stream_size(stream: BinaryIO) -> int | None:
    """The bytes left in an upload's stream (werkzeug spools uploads to a seekable file), or None."""
    try:
        start = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(start)
        return end - start
    except (AttributeError, OSError, ValueError):
        return None


def _too_large(filename: str) -> str:
    limit = format_bytes(current_app.config["ATTACHMENT_MAX_BYTES"])
    return (f"“{filename}” is larger than {limit}. Send larger files by FTP: the address is on the request page "
            "once it is submitted.")


def _over_total(filename: str) -> str:
    total = format_bytes(current_app.config["ATTACHMENTS_TOTAL_MAX_BYTES"])
    return (f"“{filename}” would take the files over the total of {total}. Send more by FTP once the request is "
            "submitted.")
