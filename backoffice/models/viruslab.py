"""Virus Lab (FAQ §14): samples (one row per SHA-256), archive members, customers' submissions, verdicts, YARA."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.support import ThreadMessage
from backoffice.models.types import UTCDateTime, check_in


class Verdict(StrEnum):
    MALICIOUS = "malicious"
    PUA = "pua"
    CLEAN = "clean"
    FALSE_POSITIVE = "false_positive"  # a false alarm, confirmed
    NOT_A_SAMPLE = "not_a_sample"


VERDICT_LABELS = {
    Verdict.MALICIOUS: "Malicious",
    Verdict.PUA: "Potentially unwanted (PUA)",
    Verdict.CLEAN: "Clean",
    Verdict.FALSE_POSITIVE: "False positive confirmed",
    Verdict.NOT_A_SAMPLE: "Not a sample",
}


class ArchiveState(StrEnum):
    NOT_ARCHIVE = "not_archive"
    EXTRACTED = "extracted"
    LIMIT_EXCEEDED = "limit_exceeded"  # kept whole: too many members, too large, too compressed or too deep
    WRONG_PASSWORD = "wrong_password"  # encrypted with something other than the agreed passwords
    DAMAGED = "damaged"  # truncated, or fails its checks: the note says why


ARCHIVE_STATE_LABELS = {
    ArchiveState.NOT_ARCHIVE: "Not an archive",
    ArchiveState.EXTRACTED: "Unpacked",
    ArchiveState.LIMIT_EXCEEDED: "Kept whole: past a limit",
    ArchiveState.WRONG_PASSWORD: "Kept whole: unknown password",
    ArchiveState.DAMAGED: "Damaged",
}


class RequestType(StrEnum):
    UNKNOWN_MALWARE = "unknown_malware"  # unknown malicious program or suspicious file
    FALSE_ALARM = "false_alarm"
    DESCRIPTION = "description"  # description of a malicious program


REQUEST_TYPE_LABELS = {
    RequestType.UNKNOWN_MALWARE: "Unknown malicious program or suspicious file",
    RequestType.FALSE_ALARM: "False alarm",
    RequestType.DESCRIPTION: "Description of a malicious program",
}


class SubmissionState(StrEnum):
    RECEIVED = "received"  # stored and numbered; its analysis job is queued
    ANALYSING = "analysing"  # a worker is unpacking and scanning it
    ANALYSIS_FAILED = "analysis_failed"  # the job gave up: with the analysts, who see why and may retry
    WAITING = "waiting"  # analysed, waiting for an analyst's verdict
    ANSWERED = "answered"
    CLOSED = "closed"


# what the analysts see; the customer sees CUSTOMER_STATE_LABELS (a failed analysis is the lab's problem)
STATE_LABELS = {
    SubmissionState.RECEIVED: "Received",
    SubmissionState.ANALYSING: "Analysing",
    SubmissionState.ANALYSIS_FAILED: "Analysis failed",
    SubmissionState.WAITING: "Waiting for an analyst",
    SubmissionState.ANSWERED: "Answered",
    SubmissionState.CLOSED: "Closed",
}
CUSTOMER_STATE_LABELS = {**STATE_LABELS, SubmissionState.ANALYSIS_FAILED: "Waiting for an analyst"}


class ScanStatus(StrEnum):
    OK = "ok"
    TIMED_OUT = "timed_out"
    ERROR = "error"


SCAN_STATUS_LABELS = {ScanStatus.OK: "Finished", ScanStatus.TIMED_OUT: "Timed out", ScanStatus.ERROR: "Failed"}


class Sample(db.Model):
    """A file the lab holds, whoever sent it and however often: the bytes live in the blob store."""

    __tablename__ = "samples"
    __table_args__ = (
        CheckConstraint(check_in("verdict", Verdict), name="verdict"),
        CheckConstraint(check_in("archive_state", ArchiveState), name="archive_state"),
        CheckConstraint("size >= 0", name="size"),
        Index("ix_samples_verdict_id", "verdict", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    sha512: Mapped[str] = mapped_column(String(128), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str | None] = mapped_column(String(255))  # libmagic's description of the first bytes
    mime_type: Mapped[str | None] = mapped_column(String(127))
    archive_state: Mapped[str] = mapped_column(String(16), default=ArchiveState.NOT_ARCHIVE)
    archive_note: Mapped[str | None] = mapped_column(String(255))  # which limit, or what went wrong
    verdict: Mapped[str | None] = mapped_column(String(16))
    detection_name: Mapped[str | None] = mapped_column(String(255))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def archive_limit_exceeded(self) -> bool:
        return self.archive_state == ArchiveState.LIMIT_EXCEEDED

    def __str__(self) -> str:
        return self.sha256


class ArchiveMember(db.Model):
    """A file found inside an archive sample: both are samples, linked with the member's name in the archive."""

    __tablename__ = "archive_members"
    __table_args__ = (UniqueConstraint("archive_id", "member_id", "member_name", name="uq_archive_members_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    archive_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    member_name: Mapped[str] = mapped_column(String(1024))

    archive: Mapped[Sample] = relationship(foreign_keys=[archive_id])
    member: Mapped[Sample] = relationship(foreign_keys=[member_id])


class Submission(db.Model):
    """A customer's request to the Virus Lab (FAQ §14), with or without a file."""

    __tablename__ = "viruslab_submissions"
    __table_args__ = (
        CheckConstraint(check_in("request_type", RequestType), name="request_type"),
        CheckConstraint(check_in("state", SubmissionState), name="state"),
        # a request loses its customer (and their e-mail) only when the account closes and it is anonymised
        CheckConstraint("(customer_id IS NOT NULL AND email IS NOT NULL) OR anonymised_at IS NOT NULL",
                        name="customer_or_anonymised"),
        Index("ix_viruslab_submissions_queue", "request_type", "state", "id"),
        Index("ix_viruslab_submissions_customer_id", "customer_id", "id"),
        Index("ix_viruslab_submissions_product_id", "product", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    request_type: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text)
    detection_seen: Mapped[str | None] = mapped_column(String(255))  # the name the product showed (false alarm)
    product: Mapped[str] = mapped_column(String(160))
    last_update_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    file_name: Mapped[str | None] = mapped_column(String(255), index=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=SubmissionState.RECEIVED)
    analysis_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    analysis_error: Mapped[str | None] = mapped_column(Text)  # why the last analysis failed, for the analysts
    analysed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its customer closed the account

    customer = relationship("Customer")
    sample: Mapped[Sample | None] = relationship()
    assignee = relationship("StaffUser")
    analysis_job = relationship("Job")
    files: Mapped[list[SubmissionFile]] = relationship(back_populates="submission", order_by="SubmissionFile.id",
                                                       cascade="all, delete-orphan", passive_deletes=True)

    def __str__(self) -> str:
        return self.number


class SubmissionFile(db.Model):
    """One file of one submission: what the customer sent (depth 0) and what was unpacked from it, as a tree.

    How an archive was unpacked belongs here, not to the sample: the limits are counted per submission, so the same
    zip may be kept whole inside a deep nest and unpacked when sent alone."""

    __tablename__ = "viruslab_submission_files"
    __table_args__ = (
        CheckConstraint(check_in("archive_state", ArchiveState), name="archive_state"),
        CheckConstraint("depth >= 0", name="depth"),
        Index("ix_viruslab_submission_files_submission", "submission_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("viruslab_submissions.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("viruslab_submission_files.id", ondelete="CASCADE"))
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(1024))  # as the customer or the archive named it, raw
    depth: Mapped[int] = mapped_column(default=0)
    archive_state: Mapped[str] = mapped_column(String(16), default=ArchiveState.NOT_ARCHIVE)
    archive_note: Mapped[str | None] = mapped_column(String(255))

    submission: Mapped[Submission] = relationship(back_populates="files")
    sample: Mapped[Sample] = relationship()


class LabMessage(ThreadMessage, db.Model):
    """One message of a lab request's conversation: a reply of either side, or an analyst's internal note, with
    the support thread's columns and rules (models/support.py), so both threads read alike."""

    __tablename__ = "viruslab_messages"
    __table_args__ = (*ThreadMessage.checks(), Index("ix_viruslab_messages_submission", "submission_id", "id"))

    submission_id: Mapped[int] = mapped_column(ForeignKey("viruslab_submissions.id", ondelete="CASCADE"))

    files: Mapped[list[LabMessageFile]] = relationship(order_by="LabMessageFile.id", cascade="all, delete-orphan",
                                                       passive_deletes=True)


class LabMessageFile(db.Model):
    """A file a customer added to their lab request in a message: a sample like the first one, analysed with it."""

    __tablename__ = "viruslab_message_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("viruslab_messages.id", ondelete="CASCADE"), index=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))

    sample: Mapped[Sample] = relationship()


class YaraScan(db.Model):
    """One YARA scan of one sample: with which version of the rules, how it ended, and what was slow."""

    __tablename__ = "yara_scans"
    __table_args__ = (
        CheckConstraint(check_in("status", ScanStatus), name="status"),
        Index("ix_yara_scans_sample", "sample_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("viruslab_submissions.id", ondelete="SET NULL"),
                                                      index=True)
    rules_version: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(500))  # the rule set that timed out, the slow rule
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VerdictChange(db.Model):
    """The verdict history of a sample: every verdict an analyst set, with the detection name and notes."""

    __tablename__ = "verdict_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[str] = mapped_column(String(16))
    detection_name: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff = relationship("StaffUser")


class YaraRule(db.Model):
    """A rule an analyst added in the console; rules shipped in seeds/yara/ are read from files instead."""

    __tablename__ = "yara_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    source: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by = relationship("StaffUser")

    def __str__(self) -> str:
        return self.name


class YaraMatch(db.Model):
    """One YARA rule that matched one sample at its last scan. `namespace` says where the rule came from:
    `file:<name>` for seeds/yara/<name>.yar, `db:<id>` for an analyst's rule."""

    __tablename__ = "yara_matches"
    __table_args__ = (
        UniqueConstraint("sample_id", "namespace", "rule_name", name="uq_yara_matches_rule"),
        Index("ix_yara_matches_rule_sample", "rule_name", "sample_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("samples.id", ondelete="CASCADE"))
    namespace: Mapped[str] = mapped_column(String(64))
    rule_name: Mapped[str] = mapped_column(String(128))
    matched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
