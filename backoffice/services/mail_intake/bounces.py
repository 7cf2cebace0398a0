"""Delivery reports (RFC 3464 `multipart/report; report-type=delivery-status`) about mail we sent.

The report names the original by its Message-ID (in the returned message or its headers); a permanent failure
("Action: failed") marks that outbox message bounced and its recipient's address as bouncing, which staff see on
the customer. A delay report changes nothing. The report itself is never answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.database import upsert_insert
from backoffice.extensions import db
from backoffice.models import OutboxMessage, OutboxStatus
from backoffice.models.inbound_mail import BouncingAddress
from backoffice.services.mail_intake.parse import MESSAGE_ID, ParsedMail, header


@dataclass
class Bounce:
    original_message_id: str | None
    failed: list[tuple[str, str]] = field(default_factory=list)  # (recipient, status and diagnostic)
    delayed: bool = False


def bounce_of(mail: ParsedMail) -> Bounce | None:
    """The delivery report in this message, or None when it is not one."""
    message = mail.message
    if message.get_content_type() != "multipart/report" or \
            (message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    bounce = Bounce(original_message_id=None)
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            _read_status(part, bounce)
        elif content_type in ("message/rfc822", "text/rfc822-headers") and bounce.original_message_id is None:
            bounce.original_message_id = _original_id(part)
    return bounce


def _read_status(part, bounce: Bounce) -> None:
    # the payload is a list of header blocks: the per-message one, then one per recipient
    blocks = part.get_payload() if isinstance(part.get_payload(), list) else []
    for block in blocks[1:]:
        action = header(block, "Action").strip().lower()
        recipient = header(block, "Final-Recipient") or header(block, "Original-Recipient")
        recipient = recipient.partition(";")[2].strip().lower() or recipient.strip().lower()
        status = " ".join(filter(None, (header(block, "Status").strip(), header(block, "Diagnostic-Code").strip())))
        if action == "failed" and recipient:
            bounce.failed.append((recipient, status[:500]))
        elif action == "delayed":
            bounce.delayed = True


def _original_id(part) -> str | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:  # message/rfc822: the returned message itself
        ids = MESSAGE_ID.findall(header(payload[0], "Message-ID"))
    else:  # text/rfc822-headers: the returned headers as text
        text = payload if isinstance(payload, str) else ""
        lines = [line for line in text.splitlines() if line.lower().startswith("message-id:")]
        ids = MESSAGE_ID.findall(lines[0]) if lines else []
    return ids[0] if ids else None


def id_variants(message_ids: list[str]) -> list[str]:
    """Each Message-ID with and without its angle brackets (stored either way)."""
    variants = []
    for value in message_ids:
        bare = value.strip().strip("<>")
        variants += [f"<{bare}>", bare]
    return variants


def record(bounce: Bounce) -> str:
    """Mark what the report says; the words for the inbound message's reason."""
    if not bounce.failed:
        return "A delivery delay report: nothing to change." if bounce.delayed else "A delivery report with no failure."
    outbox = None
    if bounce.original_message_id:
        outbox = db.session.scalar(select(OutboxMessage).where(
            OutboxMessage.message_id.in_(id_variants([bounce.original_message_id]))))
    now = utcnow()
    for recipient, status in bounce.failed:
        if outbox is not None and outbox.to_addr.lower() != recipient and \
                recipient not in outbox.to_addr.lower():
            continue  # a report about some other recipient of ours: not this message's
        statement = upsert_insert(BouncingAddress).values(address=recipient, first_bounced_at=now,
                                                          last_bounced_at=now, bounces=1, last_status=status)
        db.session.execute(statement.on_conflict_do_update(
            index_elements=["address"],
            set_={"last_bounced_at": now, "bounces": BouncingAddress.bounces + 1, "last_status": status}))
    if outbox is None:
        return "A bounce for a message we cannot find: the address is marked as bouncing."
    outbox.status = OutboxStatus.BOUNCED
    return f"Bounce of outbox message {outbox.id} to {outbox.to_addr}."


def is_bouncing(address: str | None) -> BouncingAddress | None:
    """The bounce record of an address (a customer's e-mail), or None: one place decides it for every page."""
    if not address:
        return None
    return db.session.get(BouncingAddress, address.lower())

