"""Staff operations on the job queue."""

from __future__ import annotations

from backoffice.extensions import db
from backoffice.jobs import retry_failed
from backoffice.models import Job, JobState
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record


def retry(job: Job, actor: Actor) -> None:
    """Queue a failed job again with a fresh set of attempts; its kind puts back what waited on it (a message, a
    request), as the outbox's and the request's own Retry buttons do."""
    attempts = job.attempts
    if job.state != JobState.FAILED or not retry_failed(job.id):
        db.session.rollback()
        raise ServiceError("Only a job that failed can be retried.")
    record(actor, "job.retried", job, before={"state": JobState.FAILED.value, "attempts": attempts},
           after={"state": JobState.QUEUED.value})
    db.session.commit()
