"""Enqueue, claim, finish: the job queue's rules, on PostgreSQL and SQLite alike, with no broker.

- `enqueue` adds a row to the caller's transaction: a job exists exactly when the change that needs it commits.
- `claim` leases due jobs to one worker: `FOR UPDATE SKIP LOCKED` on PostgreSQL (workers skip each other's rows
  instead of queueing on them) and, on both backends, a conditional update that only takes a row still due, so
  two workers never hold one job at once. A worker that dies (kill -9) leaves its lease to lapse; the next claim
  after it takes the job over, up to the kind's attempts.
- Every outcome is written only while the lease token still matches: a worker that lost its lease (it outlived
  it, and another took over) has its late result — and the handler's writes with it — rolled back.
"""

from __future__ import annotations

import secrets

from sqlalchemy import and_, or_, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import kinds
from backoffice.jobs.kinds import Claim, PermanentJobError
from backoffice.models.jobs import Job, JobState

ERROR_CHARS = 2000


def enqueue(kind: str, payload: dict | None = None, run_after=None) -> Job:
    """Add a job to the current transaction (the caller commits it with the change that needs it)."""
    if kinds.get(kind) is None:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, payload=payload or {}, state=JobState.QUEUED, run_after=run_after or utcnow())
    db.session.add(job)
    return job


def _due(now):
    return or_(
        and_(Job.state == JobState.QUEUED, Job.run_after <= now),
        and_(Job.state == JobState.RUNNING, Job.leased_until < now),  # its worker died or outlived its lease
    )


def claim(limit: int, kind_names: list[str] | None = None) -> list[Claim]:
    """Lease up to `limit` due jobs to this worker, oldest first; committed before any of them runs."""
    now = utcnow()
    query = select(Job.id, Job.kind, Job.attempts).where(_due(now)).order_by(Job.run_after, Job.id).limit(limit)
    if kind_names:
        query = query.where(Job.kind.in_(kind_names))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = db.session.execute(query).all()
    token = secrets.token_hex(8)
    claimed = []
    for job_id, kind_name, attempts in candidates:
        kind = kinds.get(kind_name)
        if kind is None:
            _give_up_unclaimed(job_id, now, f"no handler for job kind {kind_name!r}")
        elif attempts >= kind.max_attempts:  # its last attempt's worker died: do not start it again
            _give_up_unclaimed(job_id, now, f"the worker running attempt {attempts} stopped before it finished",
                               kind)
        else:
            row = db.session.execute(
                update(Job).where(Job.id == job_id, _due(now))
                .values(state=JobState.RUNNING, lease_token=token, leased_until=now + kind.lease,
                        attempts=Job.attempts + 1)
                .returning(Job.payload, Job.attempts)
            ).first()
            if row is not None:
                claimed.append(Claim(job_id, kind_name, row.payload or {}, row.attempts, token))
    db.session.commit()
    return claimed


def _give_up_unclaimed(job_id: int, now, error: str, kind: kinds.JobKind | None = None) -> None:
    result = db.session.execute(
        update(Job).where(Job.id == job_id, _due(now))
        .values(state=JobState.FAILED, lease_token=None, leased_until=None, last_error=error, finished_at=now)
        .returning(Job.payload)
    ).first()
    if result is not None and kind is not None and kind.on_give_up:
        kind.on_give_up(job_id, result.payload or {}, error)


def _settle(claim: Claim, **values) -> bool:
    """Write an outcome while this worker still holds the lease; False if it was lost."""
    result = db.session.execute(
        update(Job).where(Job.id == claim.job_id, Job.lease_token == claim.token, Job.state == JobState.RUNNING)
        .values(lease_token=None, leased_until=None, **values)
    )
    return result.rowcount == 1


def complete(claim: Claim) -> bool:
    return _settle(claim, state=JobState.DONE, last_error=None, finished_at=utcnow())


def fail(claim: Claim, error: Exception | str, permanent: bool = False) -> str | None:
    """Record a failed attempt: back to the queue after the kind's backoff, or failed for good after its last
    attempt (or at once if permanent). Returns the new state, or None if the lease was lost."""
    kind = kinds.get(claim.kind)
    text = (error if isinstance(error, str | PermanentJobError) else f"{type(error).__name__}: {error}")
    text = str(text)[:ERROR_CHARS]
    if permanent or claim.attempts >= kind.max_attempts:
        if not _settle(claim, state=JobState.FAILED, last_error=text, finished_at=utcnow()):
            return None
        if kind.on_give_up:
            kind.on_give_up(claim.job_id, claim.payload, text)
        return JobState.FAILED
    if not _settle(claim, state=JobState.QUEUED, last_error=text, run_after=utcnow() + kind.backoff(claim.attempts)):
        return None
    return JobState.QUEUED


def retry_failed(job_id: int) -> bool:
    """Queue a failed job again with a fresh set of attempts (a staff action), and let its kind put back what
    waited on it. A conditional update: False when the job is no longer failed (someone retried it first)."""
    row = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.FAILED)
        .values(state=JobState.QUEUED, attempts=0, run_after=utcnow(), lease_token=None, leased_until=None,
                finished_at=None)
        .returning(Job.kind, Job.payload),
        execution_options={"synchronize_session": False},
    ).first()
    if row is None:
        return False
    kind = kinds.get(row.kind)
    if kind is not None and kind.on_retry:
        kind.on_retry(job_id, row.payload or {})
    return True
