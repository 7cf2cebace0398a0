"""The transactional outbox: mail is a row written with the change that causes it, delivered later by a job.

The message holds what is sent and whether it was; its job holds the delivery's mechanics (attempts, backoff,
lease, last error), like every other job's."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.jobs import Job
from backoffice.models.types import UTCDateTime, check_in


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # its delivery job has not succeeded yet
    SENT = "sent"
    FAILED = "failed"  # its job gave up after the last attempt; an admin may retry
    BOUNCED = "bounced"  # sent, then a delivery report came back: the recipient's server refused it


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(check_in("status", OutboxStatus), name="status"),
        Index("ix_outbox_messages_status_id", "status", "id"),
        # the console's outbox list: filter by template, newest first; look up by recipient
        Index("ix_outbox_messages_template_id", "template", "id"),
        Index("ix_outbox_messages_to_addr", "to_addr"),
        # a reply's In-Reply-To/References is matched against what we sent
        Index("ix_outbox_messages_message_id", "message_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    template: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.QUEUED)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    # fixed when the message is queued, so retries send the same one and a reply can be matched to it
    message_id: Mapped[str | None] = mapped_column(String(255))
    # the ticket a message is about, so a reply that quotes its Message-ID joins that ticket
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    job: Mapped[Job | None] = relationship()

    # the delivery's mechanics, read from its job (the console shows them beside the message)
    @property
    def attempts(self) -> int:
        return self.job.attempts if self.job else 0

    @property
    def last_error(self) -> str | None:
        return self.job.last_error if self.job else None

    @property
    def next_attempt_at(self) -> datetime | None:
        return self.job.run_after if self.job and self.status == OutboxStatus.QUEUED else None


class MailQuota(db.Model):
    """How many account mails (reset, activation, claim, "someone tried to register") one address got in one
    hour: a row per address and hour, counted up by a conditional upsert, so the cap holds across processes."""

    __tablename__ = "mail_quotas"
    __table_args__ = (CheckConstraint("sent >= 0", name="sent"),)

    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    sent: Mapped[int] = mapped_column(default=0)
