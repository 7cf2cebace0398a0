"""A customer's data download (GDPR art. 15/20): a zip built by a job, kept in the blob store for a limited time."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class ExportState(StrEnum):
    PREPARING = "preparing"  # its job is queued or running
    READY = "ready"  # the zip is in the blob store until expires_at
    FAILED = "failed"  # the job gave up; the customer may ask again
    EXPIRED = "expired"  # past expires_at: the zip is deleted


class DataExport(db.Model):
    __tablename__ = "data_exports"
    __table_args__ = (
        CheckConstraint(check_in("state", ExportState), name="state"),
        CheckConstraint("state <> 'ready' OR (sha256 IS NOT NULL AND expires_at IS NOT NULL)", name="ready_has_file"),
        # one download in preparation per customer: asking twice (two tabs, a double click) builds one zip
        Index("uq_data_exports_preparing", "customer_id", unique=True,
              postgresql_where=text("state = 'preparing'"), sqlite_where=text("state = 'preparing'")),
        Index("ix_data_exports_customer_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=ExportState.PREPARING)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)  # why the job gave up, for staff

    job = relationship("Job")
