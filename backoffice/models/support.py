"""Support requests (FAQ §12-13): request types, tickets, their thread, attachments, history, ratings,
canned responses, the wizard's server-side drafts and the per-year number counters."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Computed, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting"  # waiting for the customer: the SLA clock is paused
    RESOLVED = "resolved"
    CLOSED = "closed"


ACTIVE_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)
_ACTIVE_SQL = "status IN ('new', 'open', 'waiting')"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# the queue's priority order, urgent first, as a generated column (tickets.priority_rank) so an index can serve it
PRIORITY_RANK_SQL = "CASE priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
# the queue's sort keys besides id; each has an index per common view (a queue, everyone's, an assignee's or
# nobody's), active tickets only, ending in id so a page boundary among equal keys is one index seek
QUEUE_SORT_COLUMNS = {"activity": "last_activity_at", "first_due": "first_response_due_at",
                      "resolution_due": "resolution_due_at", "rank": "priority_rank", "created": "created_at"}


def queue_sort_indexes() -> list[Index]:
    indexes = []
    for short, column in QUEUE_SORT_COLUMNS.items():
        for prefix, leading in (("type", ("request_type_id",)), ("all", ()), ("assignee", ("assignee_id",))):
            indexes.append(Index(f"ix_tickets_{prefix}_{short}_active", *leading, column, "id",
                                 postgresql_where=text(_ACTIVE_SQL), sqlite_where=text(_ACTIVE_SQL)))
    return indexes


class MessageKind(StrEnum):
    REPLY = "reply"  # public: the customer sees it
    NOTE = "note"  # internal: staff only


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


class AttachmentSource(StrEnum):
    WEB = "web"
    FTP = "ftp"
    SYSINFO = "sysinfo"  # the GetSystemInfo report of wizard step 4
    MAIL = "mail"  # a file of a mail that came in


class FileCheck(StrEnum):
    """Where a file's safety check stands: queued, done, or failed (YARA timed out or errored, or no file)."""

    PENDING = "pending"
    SCANNED = "scanned"
    FAILED = "failed"


class FileRisk(StrEnum):
    """What a checked file is, for whoever opens it: anything but ORDINARY is downloaded only inside an AES zip."""

    RULE_MATCH = "rule_match"  # a YARA rule matched, whatever the type
    EXECUTABLE = "executable"
    SCRIPT = "script"
    MACROS = "macros"  # an office document carrying VBA macros
    ARCHIVE = "archive"
    ORDINARY = "ordinary"


FILE_CHECK_LABELS = {FileCheck.PENDING: "Not scanned yet", FileCheck.SCANNED: "Scanned",
                     FileCheck.FAILED: "Scan failed"}
FILE_RISK_LABELS = {
    FileRisk.RULE_MATCH: "Risky: a YARA rule matched",
    FileRisk.EXECUTABLE: "Risky: executable program",
    FileRisk.SCRIPT: "Risky: script",
    FileRisk.MACROS: "Risky: office document with macros",
    FileRisk.ARCHIVE: "Risky: archive",
    FileRisk.ORDINARY: "Ordinary file",
}


class RatingScore(StrEnum):
    GOOD = "good"
    BAD = "bad"


class SupportRequestType(db.Model):
    """One of the eight request types of FAQ §12; each is a queue in the console. Rows come from the migration."""

    __tablename__ = "support_request_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    requires_product: Mapped[bool] = mapped_column(default=True)  # all but Pre-sale question

    def __str__(self) -> str:
        return self.name


class TicketNumberCounter(db.Model):
    """The last number handed out per year; bumped with UPDATE ... RETURNING, so concurrent submits serialise."""

    __tablename__ = "ticket_number_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Ticket(db.Model):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(check_in("status", TicketStatus), name="status"),
        CheckConstraint(check_in("priority", TicketPriority), name="priority"),
        # each state carries the timestamps that define it; the service moves them together
        CheckConstraint("status <> 'resolved' OR resolved_at IS NOT NULL", name="resolved_has_time"),
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
        CheckConstraint("(status = 'waiting') = (waiting_since IS NOT NULL)", name="waiting_has_since"),
        CheckConstraint("merged_into_id IS NULL OR (status = 'closed' AND merged_into_id <> id)",
                        name="merged_is_closed"),
        CheckConstraint("paused_seconds >= 0", name="paused_not_negative"),
        # a ticket loses its customer only when the account closes and the ticket is anonymised
        CheckConstraint("customer_id IS NOT NULL OR anonymised_at IS NOT NULL", name="customer_or_anonymised"),
        UniqueConstraint("customer_id", "draft_key", name="uq_tickets_customer_draft"),
        # the lists of the console and the portal, each served by one index
        Index("ix_tickets_customer_activity", "customer_id", "last_activity_at"),
        Index("ix_tickets_customer_id", "customer_id", "id"),  # a customer's tickets newest first (customer page)
        Index("ix_tickets_type_active", "request_type_id", "id", postgresql_where=text(_ACTIVE_SQL),
              sqlite_where=text(_ACTIVE_SQL)),
        Index("ix_tickets_type_status", "request_type_id", "status", "id"),
        Index("ix_tickets_type_priority_active", "request_type_id", "priority", "id",
              postgresql_where=text(_ACTIVE_SQL), sqlite_where=text(_ACTIVE_SQL)),
        Index("ix_tickets_assignee_active", "assignee_id", "id", postgresql_where=text(_ACTIVE_SQL),
              sqlite_where=text(_ACTIVE_SQL)),
        Index("ix_tickets_assignee_status", "assignee_id", "status", "id"),
        Index("ix_tickets_active_id", "id", postgresql_where=text(_ACTIVE_SQL), sqlite_where=text(_ACTIVE_SQL)),
        Index("ix_tickets_unassigned_active", "id",
              postgresql_where=text(f"assignee_id IS NULL AND {_ACTIVE_SQL}"),
              sqlite_where=text(f"assignee_id IS NULL AND {_ACTIVE_SQL}")),
        Index("ix_tickets_status_id", "status", "id"),
        Index("ix_tickets_product_id", "product_id", "id"),
        Index("ix_tickets_resolution_due_active", "resolution_due_at", postgresql_where=text(_ACTIVE_SQL),
              sqlite_where=text(_ACTIVE_SQL)),
        Index("ix_tickets_resolved_at", "resolved_at", postgresql_where=text("status = 'resolved'"),
              sqlite_where=text("status = 'resolved'")),
        Index("ix_tickets_merged_into_id", "merged_into_id"),
        # the queue's "code problem" filter reaches tickets from the codes with a problem, newest first
        Index("ix_tickets_activation_code_id", "activation_code_id", "id"),
        # the queues' sort orders (migration 0021)
        *queue_sort_indexes(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)  # TS-2026-000123
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    draft_key: Mapped[str] = mapped_column(String(64))  # the wizard's draft id: the idempotency key of submit
    request_type_id: Mapped[int] = mapped_column(ForeignKey("support_request_types.id", ondelete="RESTRICT"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    os_name: Mapped[str | None] = mapped_column(String(80))
    product_version: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW)
    priority: Mapped[str] = mapped_column(String(16), default=TicketPriority.NORMAL)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_seconds: Mapped[int] = mapped_column(default=0)  # time spent waiting for the customer
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its customer closed the account
    # the code the request is about (wizard step 2); codes are never deleted, the SET NULL is for safety only
    activation_code_id: Mapped[int | None] = mapped_column(ForeignKey("activation_codes.id", ondelete="SET NULL"))
    # the customer's side of the conversation (services/support/reading.py): when they last wrote (the request
    # itself counts), and since when a message of theirs waits for a public answer (None: nothing unanswered)
    customer_wrote_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unanswered_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 0 urgent .. 3 low, computed by the database from `priority` (never written by the application)
    priority_rank: Mapped[int] = mapped_column(Computed(PRIORITY_RANK_SQL))

    customer = relationship("Customer", lazy="joined")
    request_type: Mapped[SupportRequestType] = relationship(lazy="joined")
    product = relationship("Product", lazy="joined")
    assignee = relationship("StaffUser", lazy="joined")
    merged_into: Mapped[Ticket | None] = relationship(remote_side="Ticket.id", lazy="select")
    activation_code = relationship("ActivationCode", lazy="select")

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ThreadMessage:
    """What a message of any conversation holds (a support ticket's, a Virus Lab request's): a public reply or a
    staff note, its author (customer, staff or the system) and its text. Mixed into one table per thread."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), default=MessageKind.REPLY)
    author_kind: Mapped[str] = mapped_column(String(8))
    author_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    author_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def checks() -> tuple[CheckConstraint, ...]:
        """The rows' rules, for each table's __table_args__: known kinds and authors; notes are staff's."""
        return (CheckConstraint(check_in("kind", MessageKind), name="kind"),
                CheckConstraint(check_in("author_kind", AuthorKind), name="author_kind"),
                CheckConstraint("kind = 'reply' OR author_kind = 'staff'", name="notes_are_staff"))


class TicketMessage(ThreadMessage, db.Model):
    __tablename__ = "ticket_messages"
    __table_args__ = (*ThreadMessage.checks(), Index("ix_ticket_messages_ticket_id", "ticket_id", "id"))

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))

    attachments: Mapped[list[Attachment]] = relationship(back_populates="message", order_by="Attachment.id")


class WizardDraft(db.Model):
    """The wizard's state between steps, kept on the server under the customer and a draft id from the page."""

    __tablename__ = "wizard_drafts"
    __table_args__ = (
        UniqueConstraint("customer_id", "draft_key", name="uq_wizard_drafts_customer_key"),
        CheckConstraint("step BETWEEN 1 AND 5", name="step_range"),
        Index("ix_wizard_drafts_updated_at", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    draft_key: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(default=1)  # the furthest step reached
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))


class Attachment(db.Model):
    """A stored blob named for one ticket (or, before submit, one wizard draft)."""

    __tablename__ = "ticket_attachments"
    __table_args__ = (
        CheckConstraint(check_in("source", AttachmentSource), name="source"),
        CheckConstraint("ticket_id IS NOT NULL OR draft_id IS NOT NULL", name="has_owner"),
        CheckConstraint("size >= 0", name="size_not_negative"),
        CheckConstraint(check_in("check_state", FileCheck), name="check_state"),
        CheckConstraint(f"risk IS NULL OR {check_in('risk', FileRisk)}", name="risk"),
        Index("ix_ticket_attachments_ticket_id", "ticket_id", "id"),
        Index("ix_ticket_attachments_draft_id", "draft_id"),
        Index("ix_ticket_attachments_message_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_messages.id", ondelete="SET NULL"))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("wizard_drafts.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(120), default="application/octet-stream")
    source: Mapped[str] = mapped_column(String(8), default=AttachmentSource.WEB)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the file's safety, as for a Virus Lab sample: every hash, the type by its magic bytes, and the check job's
    # YARA scan (services/support/file_checks.py); file_risk.is_risky() reads these
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    sha512: Mapped[str | None] = mapped_column(String(128))
    file_type: Mapped[str | None] = mapped_column(String(255))  # libmagic's description
    mime_type: Mapped[str | None] = mapped_column(String(127))  # libmagic's, not the browser's content_type
    check_state: Mapped[str] = mapped_column(String(8), default=FileCheck.PENDING, server_default=FileCheck.PENDING)
    check_note: Mapped[str | None] = mapped_column(String(500))  # why the scan failed
    risk: Mapped[str | None] = mapped_column(String(16))  # None until checked
    rules_matched: Mapped[list | None] = mapped_column(JSON)  # YARA rule names at the last scan
    rules_version: Mapped[str | None] = mapped_column(String(64))
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Send to the Virus Lab": the lab request this file became (one file, one request)
    lab_submission_id: Mapped[int | None] = mapped_column(
        ForeignKey("viruslab_submissions.id", ondelete="SET NULL"), unique=True)

    message: Mapped[TicketMessage | None] = relationship(back_populates="attachments")
    ticket: Mapped[Ticket | None] = relationship(lazy="select")
    lab_submission = relationship("Submission", lazy="select")


class TicketEvent(db.Model):
    """The ticket's own history: every change of state, type, priority, assignee, merge, rating."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedResponse(db.Model):
    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.title


class Rating(db.Model):
    """The customer's verdict on a resolved ticket; one per ticket (a second rating replaces the first)."""

    __tablename__ = "ticket_ratings"
    __table_args__ = (
        CheckConstraint(check_in("score", RatingScore), name="score"),
        Index("ix_ticket_ratings_engineer_id", "engineer_id"),
        Index("ix_ticket_ratings_request_type_id", "request_type_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    score: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str] = mapped_column(Text, default="")
    engineer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    request_type_id: Mapped[int] = mapped_column(ForeignKey("support_request_types.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
