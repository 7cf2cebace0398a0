"""Verdicts reach people: a verdict belongs to a sample (its bytes), so it applies to every request holding that
file, however deeply zipped and whoever sent it. This module is the one place that decides what a request's
verdict is, for the portal, the console and the mail alike.

A request is judged by its files that are not unpacked archives (an archive that was unpacked is judged by what it
holds; one kept whole is judged itself). A verdict an analyst sets on an archive covers everything inside it. The
overall verdict is the worst of all the verdicts in the request. When every judged file is covered, a waiting
request is answered — at once after analysis for a known sample, or when an analyst's verdict settles its last
file — and the submitter is mailed once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import ArchiveState, Sample, Submission, SubmissionFile, SubmissionState, Verdict
from backoffice.models.viruslab import VERDICT_LABELS
from backoffice.security import Actor
from backoffice.services.audit import record

# worst first: a request holding one malicious file is malicious, whatever else it holds
SEVERITY = {Verdict.MALICIOUS: 4, Verdict.PUA: 3, Verdict.FALSE_POSITIVE: 2, Verdict.CLEAN: 1,
            Verdict.NOT_A_SAMPLE: 0}
VERDICT_ACTOR = Actor.system("viruslab")


@dataclass(frozen=True)
class RequestVerdict:
    files: list[SubmissionFile]  # the judged files, in tree order
    all_files: list[SubmissionFile]
    verdict: str | None  # the worst verdict among them; None while none has one
    complete: bool  # every judged file has a verdict

    @property
    def label(self) -> str | None:
        return VERDICT_LABELS[Verdict(self.verdict)] if self.verdict else None

    @property
    def detection_names(self) -> list[str]:
        """The detections behind the overall verdict (a clean file's old detection name is not one)."""
        return sorted({f.sample.detection_name for f in self.all_files
                       if f.sample.detection_name and f.sample.verdict == self.verdict})


def judged_files(submission: Submission) -> list[SubmissionFile]:
    """The files a request's verdict rests on: all but the archives that were unpacked into other files."""
    parents = {f.parent_id for f in submission.files}
    return [f for f in submission.files if f.archive_state != ArchiveState.EXTRACTED or f.id not in parents]


def request_verdict(submission: Submission) -> RequestVerdict:
    files = submission.files
    by_id = {f.id: f for f in files}

    def covered(file: SubmissionFile | None) -> bool:  # by its own verdict or an enclosing archive's
        while file is not None:
            if file.sample.verdict:
                return True
            file = by_id.get(file.parent_id)
        return False

    judged = judged_files(submission)
    known = [f.sample.verdict for f in files if f.sample.verdict]
    worst = max(known, key=lambda v: SEVERITY[Verdict(v)]) if known else None
    return RequestVerdict(judged, files, worst, bool(judged) and all(covered(f) for f in judged))


def answer_if_known(submission: Submission) -> bool:
    """Answer a request waiting for an analyst if every judged file has a verdict; mails the submitter once.
    A conditional update decides, so two verdicts settling the same request at once answer it once."""
    db.session.flush()
    for file in submission.files:  # read the verdicts as committed now, not as this session first saw them
        db.session.expire(file.sample, ["verdict", "detection_name"])
    outcome = request_verdict(submission)
    if not outcome.complete:
        return False
    result = db.session.execute(
        update(Submission).where(Submission.id == submission.id, Submission.state == SubmissionState.WAITING)
        .values(state=SubmissionState.ANSWERED, answered_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    db.session.refresh(submission, ["state", "answered_at"])
    record(VERDICT_ACTOR, "viruslab.answered_by_verdict", submission,
           after={"state": SubmissionState.ANSWERED.value, "verdict": outcome.verdict})
    if submission.customer is not None:  # None once anonymised: nobody to tell
        queue_mail(submission.customer.email, f"Your Virus Lab request {submission.number} has been answered",
                   "viruslab_verdict", submission=submission, outcome=outcome, verdict_labels=VERDICT_LABELS)
    return True


# a request an analyst's verdict may complete: waiting, or about to be (its analysis is finishing right now)
UNANSWERED = (SubmissionState.RECEIVED, SubmissionState.ANALYSING, SubmissionState.WAITING)


def answer_requests_holding(sample: Sample) -> int:
    """After a verdict on `sample`: answer every waiting request that it completes. Returns how many.

    The requests are locked first (on PostgreSQL; SQLite has one writer), in id order: two analysts settling the
    last two files of one request at once then take turns, and the second sees the first's verdict — neither
    leaves the request unanswered. An analysis finishing at the same moment holds its request's row until it
    commits; the lock waits for it, so its files are known."""
    holding = select(SubmissionFile.submission_id).where(SubmissionFile.sample_id == sample.id)
    query = (select(Submission).where(Submission.id.in_(holding), Submission.state.in_(UNANSWERED))
             .order_by(Submission.id).execution_options(populate_existing=True))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=Submission)
    candidates = db.session.scalars(query).all()
    for submission in candidates:
        db.session.expire(submission, ["files"])  # the tree as committed, now that the row is ours
    return sum(answer_if_known(submission) for submission in candidates)
