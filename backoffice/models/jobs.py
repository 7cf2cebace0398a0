"""The job queue's rows: heavy or slow work (mail delivery, sample analysis, later webhooks and roll-ups), written
in the transaction of the change that needs it and run later by `backoffice worker`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class JobState(StrEnum):
    QUEUED = "queued"  # waiting until run_after
    RUNNING = "running"  # leased by a worker until leased_until; a lapsed lease is taken over
    DONE = "done"
    FAILED = "failed"  # gave up after its last attempt (or at once, on a permanent error); staff may retry


JOB_STATE_LABELS = {
    JobState.QUEUED: "Waiting",
    JobState.RUNNING: "Running",
    JobState.DONE: "Done",
    JobState.FAILED: "Failed",
}


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(check_in("state", JobState), name="state"),
        CheckConstraint("attempts >= 0", name="attempts"),
        # the workers' claim: due queued jobs, and running ones whose lease lapsed
        Index("ix_jobs_due", "state", "run_after"),
        Index("ix_jobs_kind_state_id", "kind", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return f"{self.kind} #{self.id}"
