"""Staff operations on the job queue."""

from __future__ import annotations

from backoffice.extensions import db
from backoffice.jobs import retry_failed
from backoffice.models import Job, JobState, OutboxMessage, OutboxStatus, Submission, SubmissionState
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record


def retry(job: Job, actor: Actor) -> None:
    """Queue a failed job again with a fresh set of attempts. What waited on it (a message, a request) is put
    back in its waiting state with it, as the outbox's and the request's own Retry buttons do."""
    if job.state != JobState.FAILED or not retry_failed(job.id):
        db.session.rollback()
        raise ServiceError("Only a job that failed can be retried.")
    db.session.query(OutboxMessage).filter(OutboxMessage.job_id == job.id,
                                           OutboxMessage.status == OutboxStatus.FAILED) \
        .update({"status": OutboxStatus.QUEUED}, synchronize_session=False)
    db.session.query(Submission).filter(Submission.analysis_job_id == job.id,
                                        Submission.state == SubmissionState.ANALYSIS_FAILED) \
        .update({"state": SubmissionState.RECEIVED}, synchronize_session=False)
    record(actor, "job.retried", job, before={"state": JobState.FAILED.value, "attempts": job.attempts},
           after={"state": JobState.QUEUED.value})
    db.session.commit()
