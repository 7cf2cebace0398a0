"""Sample analysis, run by `backoffice worker` as a job: never inside a web request.

A submission's job types each file, unpacks archives under limits counted for that submission, scans every file
with YARA within a per-file timeout and a budget for the whole submission, and records the tree of files the
submission holds. Then the request waits for an analyst — or, when every file already has a verdict, is answered
at once (the known-sample answer). An analyst's "Scan again" is a job too: it unpacks and scans the sample anew.

The handlers commit nothing but the visible "analysing" state: their writes commit with the job's outcome, so a
worker that dies or loses its lease leaves nothing half-done, and the run that takes over starts afresh.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, select, update

from backoffice.clock import utcnow
from backoffice.database import upsert_insert
from backoffice.extensions import db
from backoffice.jobs.kinds import Claim, job_kind
from backoffice.models import (
    ArchiveMember,
    LabMessage,
    LabMessageFile,
    Sample,
    ScanStatus,
    Submission,
    SubmissionFile,
    SubmissionState,
    YaraScan,
)
from backoffice.services import locking
from backoffice.services.viruslab import intake, scanning, unpacking, verdicts, yara_rules
from backoffice.storage import blob_path

ANALYSE = "viruslab.analyse"
RESCAN = "viruslab.rescan"
# a job finding its request in another state (answered, closed, or taken over and finished) has nothing to do
ANALYSABLE = (SubmissionState.RECEIVED, SubmissionState.ANALYSING, SubmissionState.ANALYSIS_FAILED)


@dataclass
class Run:
    """What one analysis shares down the archive tree: the limits, what is left of the budget, the rules."""

    limits: unpacking.ArchiveLimits
    budget: unpacking.Budget
    ruleset: yara_rules.RuleSet
    deadline: float  # time.monotonic() past which no file is scanned
    submission_id: int | None

    @classmethod
    def start(cls, submission_id: int | None) -> Run:
        limits = unpacking.ArchiveLimits.from_config()
        seconds = current_app.config["ANALYSIS_BUDGET_SECONDS"]
        return cls(limits, unpacking.Budget.of(limits), yara_rules.active_ruleset(), time.monotonic() + seconds,
                   submission_id)

    def seconds_left(self) -> float:
        return self.deadline - time.monotonic()


def _give_up(_job_id: int, payload: dict, error: str) -> None:
    """The job failed for good: the request stays with the analysts, who see why and may retry."""
    submission = db.session.get(Submission, payload.get("submission_id"))
    if submission is not None and submission.state in ANALYSABLE:
        submission.state = SubmissionState.ANALYSIS_FAILED
        submission.analysis_error = error


def _analyse_again(job_id: int, payload: dict) -> None:
    """A failed analysis queued again: the request is received once more (and analysed by this same job)."""
    submission = db.session.get(Submission, payload.get("submission_id"))
    if submission is not None and submission.analysis_job_id == job_id \
            and submission.state == SubmissionState.ANALYSIS_FAILED:
        submission.state = SubmissionState.RECEIVED


@job_kind(ANALYSE, max_attempts_key="ANALYSIS_MAX_ATTEMPTS", retry_base_key="ANALYSIS_RETRY_BASE_SECONDS",
          lease_key="ANALYSIS_LEASE_SECONDS", on_give_up=_give_up, on_retry=_analyse_again)
def analyse_submission(claim: Claim, _context) -> None:
    submission = db.session.get(Submission, claim.payload.get("submission_id"))
    if submission is None or submission.state not in ANALYSABLE or submission.analysis_job_id != claim.job_id:
        return  # answered or closed meanwhile, or a newer analysis (of more files) has taken over
    _show_analysing(submission)
    run = Run.start(submission.id)
    # a retried or taken-over run starts afresh: the tree is rebuilt from the sent file
    db.session.execute(delete(SubmissionFile).where(SubmissionFile.submission_id == submission.id),
                       execution_options={"synchronize_session": False})
    for sample, name in sent_files(submission):
        _analyse(run, sample, name, name, depth=0, parent=None)
    # re-read under a row lock: a customer who added a file meanwhile queued a newer analysis, which covers
    # every file; this run's tree is then not kept, and the state is the newer job's to set
    submission = locking.locked(submission)
    if submission.analysis_job_id != claim.job_id:
        db.session.rollback()
        return
    submission.state = SubmissionState.WAITING
    submission.analysed_at = utcnow()
    submission.analysis_error = None
    verdicts.answer_if_known(submission)  # flushes first: it reads the verdicts as the database has them


@job_kind(RESCAN, max_attempts_key="ANALYSIS_MAX_ATTEMPTS", retry_base_key="ANALYSIS_RETRY_BASE_SECONDS",
          lease_key="ANALYSIS_LEASE_SECONDS")
def rescan_sample(claim: Claim, _context) -> None:
    """Unpack and scan a sample again with today's limits and rules (the analyst's "Scan again")."""
    sample = db.session.get(Sample, claim.payload.get("sample_id"))
    if sample is not None:
        name = scanning.known_name(sample) or sample.sha256
        _analyse(Run.start(None), sample, name, name, depth=0, parent=None, rescan=True)


def sent_files(submission: Submission) -> list[tuple[Sample, str]]:
    """What the customer sent, in order: the request's file, then the files added in its conversation."""
    added = db.session.execute(
        select(LabMessageFile.sample_id, LabMessageFile.name).join(LabMessage)
        .where(LabMessage.submission_id == submission.id).order_by(LabMessageFile.id)).all()
    files = [(submission.sample, submission.file_name or "file")] if submission.sample else []
    return files + [(db.session.get(Sample, sample_id), name) for sample_id, name in added]


def _show_analysing(submission: Submission) -> None:
    """Commit the "analysing" state so customer and analyst see it while the work runs."""
    db.session.execute(update(Submission).where(Submission.id == submission.id, Submission.state.in_(ANALYSABLE),
                                                Submission.analysis_job_id == submission.analysis_job_id)
                       .values(state=SubmissionState.ANALYSING))
    db.session.commit()


def _analyse(run: Run, sample: Sample, name: str, path: str, depth: int, parent: SubmissionFile | None,
             rescan: bool = False) -> None:
    """Type, unpack and scan one file, then its members. `path` is where it sits in what was sent
    ("mail.zip/invoice.exe"): the rules see it as `filepath`, its last part as `filename`."""
    intake.describe(sample)
    unpacked = unpacking.unpack(blob_path(sample.sha256), depth, run.limits, run.budget)
    sample.archive_state, sample.archive_note = unpacked.state, unpacked.note  # the latest unpacking, for lists
    node = None
    if run.submission_id is not None:
        node = SubmissionFile(submission_id=run.submission_id, parent_id=parent.id if parent else None,
                              sample_id=sample.id, name=name[:1024], depth=depth, archive_state=unpacked.state,
                              archive_note=unpacked.note)
        db.session.add(node)
        db.session.flush()
    _scan(run, sample, path, force=rescan)
    # members in SHA-256 order: two archives sharing new members, analysed at once, then insert the shared
    # samples in the same order and wait for each other instead of deadlocking
    for member_name, member_blob in sorted(unpacked.members, key=lambda pair: (pair[1].sha256, pair[0])):
        member, _created = intake.sample_for_blob(member_blob)
        _link_member(sample, member, member_name)
        _analyse(run, member, member_name, f"{path}/{member_name}", depth + 1, node, rescan)


def _link_member(archive: Sample, member: Sample, name: str) -> None:
    """Record that `archive` holds `member` under `name` (once, even when two runs find it at the same time)."""
    db.session.execute(upsert_insert(ArchiveMember).values(archive_id=archive.id, member_id=member.id,
                                                            member_name=name[:1024])
                       .on_conflict_do_nothing(index_elements=["archive_id", "member_id", "member_name"]))


def _scan(run: Run, sample: Sample, path: str, force: bool) -> None:
    if not force and _scanned_with(sample, run.ruleset.version):
        return  # the same bytes under the same rules match the same: the known sample's record stands
    # within the per-file timeout and what is left of the submission's budget (nothing left: recorded, not run)
    timeout = min(current_app.config["YARA_TIMEOUT_SECONDS"], run.seconds_left())
    outcome = scanning.scan(sample, run.ruleset, filepath=path, timeout=timeout)
    db.session.add(YaraScan(sample_id=sample.id, submission_id=run.submission_id, rules_version=outcome.version,
                            status=outcome.status, note=outcome.note[:500] or None, seconds=round(outcome.seconds, 3)))


def _scanned_with(sample: Sample, version: str) -> bool:
    return db.session.scalar(select(YaraScan.id).where(
        YaraScan.sample_id == sample.id, YaraScan.rules_version == version, YaraScan.status == ScanStatus.OK)
        .limit(1)) is not None
