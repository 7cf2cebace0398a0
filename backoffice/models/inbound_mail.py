"""Mail that came in: every message once (its raw bytes in the blob store), what the intake made of it, who the
receiving server says sent it; the daily cap of auto-replies per sender; addresses our mail bounces from."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class InboundOutcome(StrEnum):
    RECEIVED = "received"  # stored and recorded; its intake job has not run yet
    JOINED = "joined"  # appended to its ticket's thread as the customer's reply
    CREATED = "created"  # became a new request
    NEEDS_REVIEW = "needs_review"  # points at a ticket but staff must decide (another sender, DMARC failed, ...)
    AUTO_REPLIED = "auto_replied"  # from no active customer: told where the portal is, no ticket
    IGNORED = "ignored"  # nothing to do (a loop, an auto-reply, past the daily auto-reply cap, a duplicate)
    BOUNCE = "bounce"  # a delivery report about mail we sent
    REFUSED = "refused"  # larger than MAIL_INTAKE_MAX_BYTES: kept as headers only, nobody is answered
    DISCARDED = "discarded"  # staff threw it away from the review list
    ATTACHED = "attached"  # staff put it on a ticket from the review list


class InboundSource(StrEnum):
    IMAP = "imap"
    SMTP = "smtp"
    LMTP = "lmtp"


class InboundMessage(db.Model):
    __tablename__ = "inbound_messages"
    __table_args__ = (
        CheckConstraint(check_in("outcome", InboundOutcome), name="outcome"),
        CheckConstraint(check_in("source", InboundSource), name="source"),
        # nothing twice: the same bytes (a re-fetch after a crash) or the same Message-ID from the same sender (a
        # second delivery of one message, with other Received lines) are one message; a stranger who reuses
        # someone's Message-ID blocks nothing of theirs
        Index("ix_inbound_messages_raw_sha256", "raw_sha256", unique=True),
        Index("ix_inbound_messages_message_id_from", "message_id", "from_addr", unique=True),
        Index("ix_inbound_messages_outcome_id", "outcome", "id"),  # the review list, newest first
        Index("ix_inbound_messages_ticket_id", "ticket_id", "id"),
        Index("ix_inbound_messages_ticket_message_id", "ticket_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    raw_size: Mapped[int]
    source: Mapped[str] = mapped_column(String(8))
    message_id: Mapped[str | None] = mapped_column(String(255))
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    to_addrs: Mapped[str] = mapped_column(Text, default="")  # every recipient we saw, comma-separated
    subject: Mapped[str] = mapped_column(String(255), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the receiving server's Authentication-Results: pass, fail, softfail, none, ... (None: no verdict given)
    spf: Mapped[str | None] = mapped_column(String(16))
    dkim: Mapped[str | None] = mapped_column(String(16))
    dmarc: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16), default=InboundOutcome.RECEIVED)
    reason: Mapped[str | None] = mapped_column(String(500))  # why this outcome, in words staff read
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the ticket it joined, created, or points at (for review); the thread message it became
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    ticket_message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id", ondelete="SET NULL"))
    # In-Reply-To and References, so a reply to this message finds its ticket too
    references: Mapped[list | None] = mapped_column(JSON)


class AutoReplyQuota(db.Model):
    """Auto-replies one address got on one day, raised by a conditional upsert so the cap holds across processes."""

    __tablename__ = "auto_reply_quotas"
    __table_args__ = (CheckConstraint("sent >= 0", name="sent"),)

    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent: Mapped[int] = mapped_column(default=0)


class BouncingAddress(db.Model):
    """An address our mail bounced from (a delivery report said so): staff see it on the customer."""

    __tablename__ = "bouncing_addresses"

    address: Mapped[str] = mapped_column(String(254), primary_key=True)  # lower-case
    first_bounced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_bounced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    bounces: Mapped[int] = mapped_column(default=1)
    last_status: Mapped[str] = mapped_column(String(500), default="")  # the report's status and diagnostic
