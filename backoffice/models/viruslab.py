"""Virus Lab (FAQ §14): samples (one row per SHA-256), archive members, customers' submissions, verdicts, YARA."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
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
    WRONG_PASSWORD = "wrong_password"  # encrypted with something other than the agreed password
    DAMAGED = "damaged"  # recognised as an archive, but truncated, failing a check or in a method we cannot read


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
    NEW = "new"
    IN_ANALYSIS = "in_analysis"
    ANSWERED = "answered"
    CLOSED = "closed"


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
        Index("ix_viruslab_submissions_queue", "request_type", "state", "id"),
        Index("ix_viruslab_submissions_customer_id", "customer_id", "id"),
        Index("ix_viruslab_submissions_product_id", "product", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    request_type: Mapped[str] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(Text)
    detection_seen: Mapped[str | None] = mapped_column(String(255))  # the name the product showed (false alarm)
    product: Mapped[str] = mapped_column(String(160))
    last_update_date: Mapped[date] = mapped_column(Date)
    email: Mapped[str] = mapped_column(String(254))
    file_name: Mapped[str | None] = mapped_column(String(255), index=True)
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("samples.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=SubmissionState.NEW)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"), index=True)
    public_reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("Customer")
    sample: Mapped[Sample | None] = relationship()
    assignee = relationship("StaffUser")

    def __str__(self) -> str:
        return self.number


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
