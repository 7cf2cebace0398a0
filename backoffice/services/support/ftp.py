"""The large-file channel's accounts: each request is an FTP login (its number) with a per-request password.

The password is derived (HMAC of the request number under the app secret), so it needs no column, is shown on
the request page to its owner only, and opens that one request's upload folder. Files that arrive become
attachments of the request through the same blob store as web uploads.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from flask import current_app

from backoffice.extensions import db
from backoffice.models import Attachment, Ticket
from backoffice.models.support import AttachmentSource, TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import file_checks, lab_link
from backoffice.services.support.access import ticket_by_number
from backoffice.services.support.attachments import clean_filename
from backoffice.services.support.history import log_event
from backoffice.storage import BlobTooLarge, store_stream
from backoffice.web import format_bytes


def ftp_password(ticket: Ticket) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"ftp:{ticket.number}".encode(), hashlib.sha256).hexdigest()[:16]


def ftp_ticket(number: str, password: str) -> Ticket | None:
    """The request this login opens, if the password is right and the request still takes files."""
    ticket = ticket_by_number(number or "")
    if ticket is None or ticket.merged_into_id is not None or ticket.status == TicketStatus.CLOSED:
        return None
    return ticket if hmac.compare_digest(ftp_password(ticket), password or "") else None


def add_ftp_file(ticket_id: int, path: Path, filename: str) -> Attachment:
    """Store a file that arrived over FTP as an attachment of the request (no message: the console lists it)."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        raise ServiceError("The request no longer exists.")
    limit = current_app.config["FTP_MAX_BYTES"]
    try:
        with open(path, "rb") as stream:
            blob = store_stream(stream, max_bytes=limit)
    except BlobTooLarge:
        raise ServiceError(f"Files sent by FTP may be up to {format_bytes(limit)}.") from None
    attachment = Attachment(ticket_id=ticket.id, sha256=blob.sha256, md5=blob.md5, sha1=blob.sha1, sha512=blob.sha512,
                            filename=clean_filename(filename), size=blob.size, content_type="application/octet-stream",
                            source=AttachmentSource.FTP)
    db.session.add(attachment)
    file_checks.queue_checks([attachment])
    log_event(ticket, Actor("customer", ticket.customer_id, f"FTP {ticket.number}"), "ftp_file_received",
              None, {"file": attachment.filename, "size": blob.size})
    lab_link.auto_send(ticket, [attachment])
    db.session.commit()
    return attachment
