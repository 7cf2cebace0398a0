"""The door of the intake, for every way mail comes in: the raw message is stored (blob store) and recorded with
its intake job in one transaction, before the mailbox is touched or the SMTP client is answered. The rest (reading,
threading, replying) is the `mail.intake` job's.

Nothing twice: the same bytes again (a re-fetch after a crash between commit and flagging) or the same Message-ID
from the same sender again (one message delivered twice, over two paths) finds the first record, also when two
deliveries race (the unique indexes decide, and the loser reads the winner's row).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.models.inbound_mail import InboundMessage, InboundOutcome
from backoffice.services.mail_intake.parse import parse
from backoffice.storage import store_stream

INTAKE = "mail.intake"


class MessageTooLarge(Exception):
    def __init__(self, size: int, limit: int):
        super().__init__(f"message of {size} bytes is over the limit of {limit}")
        self.size, self.limit = size, limit


@dataclass(frozen=True)
class Received:
    inbound_id: int
    duplicate: bool


def receive(raw: bytes, source: str, envelope_recipients: list[str] | tuple = ()) -> Received:
    """Store and record one message (committed); MessageTooLarge past MAIL_INTAKE_MAX_BYTES, nothing stored."""
    limit = current_app.config["MAIL_INTAKE_MAX_BYTES"]
    if len(raw) > limit:
        raise MessageTooLarge(len(raw), limit)
    return _record(raw, source, envelope_recipients, outcome=InboundOutcome.RECEIVED)


def refuse(headers: bytes, size: int, source: str) -> Received:
    """Record a message too large to take, from its headers alone (kept as its blob): staff can see it came,
    nobody is answered (an answer to every oversized message is how bounce storms start)."""
    limit = current_app.config["MAIL_INTAKE_MAX_BYTES"]
    return _record(headers, source, (), outcome=InboundOutcome.REFUSED,
                   reason=f"Larger than the {limit // (1024 * 1024)} MB limit ({size:,} bytes): not read.")


def _record(raw: bytes, source: str, envelope_recipients, outcome: str, reason: str | None = None) -> Received:
    digest = hashlib.sha256(raw).hexdigest()
    mail = parse(raw, headers_only=True)
    existing = _existing(digest, mail.message_id, mail.from_addr[:254])
    if existing is not None:
        return Received(existing, True)
    blob = store_stream(io.BytesIO(raw), max_bytes=len(raw))  # a crash after this leaves an unnamed blob, no row
    recipients = list(dict.fromkeys([a.strip().lower() for a in envelope_recipients if a] + mail.recipients))
    inbound = InboundMessage(raw_sha256=blob.sha256, raw_size=len(raw), source=source, message_id=mail.message_id,
                             from_addr=mail.from_addr[:254], to_addrs=",".join(recipients), subject=mail.subject,
                             references=(mail.in_reply_to + mail.references)[:100] or None, outcome=outcome,
                             reason=reason)
    try:
        db.session.add(inbound)
        db.session.flush()  # the unique raw hash and Message-ID speak here when two deliveries race
        if outcome == InboundOutcome.RECEIVED:
            enqueue(INTAKE, {"inbound_id": inbound.id})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = _existing(digest, mail.message_id, mail.from_addr[:254])
        if existing is None:
            raise
        return Received(existing, True)
    return Received(inbound.id, False)


def _existing(digest: str, message_id: str | None, from_addr: str) -> int | None:
    condition = InboundMessage.raw_sha256 == digest
    if message_id:
        condition = or_(condition, and_(InboundMessage.message_id == message_id,
                                        InboundMessage.from_addr == from_addr))
    return db.session.scalar(select(InboundMessage.id).where(condition).limit(1))
