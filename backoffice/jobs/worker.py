"""What `backoffice worker` does: claim due jobs, run each through its kind's handler, record the outcome.

Jobs of one kind in a batch share the kind's batch context (one SMTP connection for a batch of mail), and each
job's writes commit with its outcome, so a batch that dies half-way keeps what it finished.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from itertools import groupby

from backoffice.extensions import db
from backoffice.jobs import kinds, queue
from backoffice.models.jobs import JobState

log = logging.getLogger("backoffice.jobs")


@dataclass
class WorkReport:
    done: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # the lease lapsed while running: another worker owns the job

    @property
    def attempted(self) -> int:
        return len(self.done) + len(self.retrying) + len(self.failed) + len(self.lost)


def run_due(limit: int = 50, kind_names: list[str] | None = None) -> WorkReport:
    """Run what is due now. Safe to run in many processes on many hosts at once."""
    report = WorkReport()
    claims = queue.claim(limit, kind_names)
    for kind_name, batch in groupby(sorted(claims, key=lambda c: c.kind), key=lambda c: c.kind):
        kind = kinds.get(kind_name)
        with kind.context() as context:
            for claim in batch:
                _run(kind, claim, context, report)
    return report


def _run(kind: kinds.JobKind, claim: kinds.Claim, context, report: WorkReport) -> None:
    try:
        kind.handler(claim, context)
    except Exception as error:  # a job's failure is recorded on the job; it never stops the worker
        db.session.rollback()
        state = queue.fail(claim, error, permanent=kind.is_permanent(error))
        _log_failure(claim, error, state)
        {JobState.QUEUED: report.retrying, JobState.FAILED: report.failed, None: report.lost}[state].append(
            claim.job_id)
    else:
        if queue.complete(claim):
            report.done.append(claim.job_id)
        else:
            db.session.rollback()  # another worker took the job over: its run is the one that counts
            report.lost.append(claim.job_id)
            log.warning("job %s (%s) outlived its lease; its result was discarded", claim.job_id, claim.kind)
    db.session.commit()


def _log_failure(claim: kinds.Claim, error: Exception, state: str | None) -> None:
    if state == JobState.FAILED:
        log.error("job %s (%s) failed for good after attempt %s: %s", claim.job_id, claim.kind, claim.attempts,
                  error)
    else:
        log.warning("job %s (%s) attempt %s failed: %s", claim.job_id, claim.kind, claim.attempts, error)
