"""Customers' Virus Lab requests (FAQ §14) and the analysts' work on them: create, claim, verdict, reply, close.

Filing a request stores it and queues its analysis job in one commit: the customer has the number at once, and
the unpacking and scanning happen in a worker (services/viruslab/analysis.py).

Request numbers look like `VL-20261125-7K3QX9`: the date plus a random suffix from an alphabet without look-alike
characters. The suffix is unguessable, so a number says nothing about other requests; the unique index settles the
rare collision, which is retried. A number is never a key to someone else's request: lookups also need the owner.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue, retry_failed
from backoffice.mail import queue_mail
from backoffice.models import (
    Customer,
    RequestType,
    Sample,
    Submission,
    SubmissionFile,
    SubmissionState,
    Verdict,
    VerdictChange,
)
from backoffice.models.viruslab import REQUEST_TYPE_LABELS
from backoffice.security import Actor
from backoffice.services import ServiceError, webhooks
from backoffice.services.audit import record
from backoffice.services.locking import locked
from backoffice.services.viruslab import conversation, intake, verdicts
from backoffice.services.viruslab.analysis import ANALYSE, RESCAN
from backoffice.storage import StoredBlob

NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
NUMBER_SUFFIX_LENGTH = 6
NUMBER_ATTEMPTS = 5
NEEDS_FILE = {RequestType.UNKNOWN_MALWARE, RequestType.FALSE_ALARM}
NEEDS_DETECTION = {Verdict.MALICIOUS, Verdict.PUA}
# a request an analyst may still claim: not answered or closed
OPEN_STATES = (SubmissionState.RECEIVED, SubmissionState.ANALYSING, SubmissionState.ANALYSIS_FAILED,
               SubmissionState.WAITING)


@dataclass
class RequestForm:
    """What the customer typed, as the service checks it. No e-mail address: the lab writes to the account's own
    address, confirmed when the account was activated (a typed one would let anyone make us mail a stranger)."""

    request_type: str
    description: str
    product: str
    last_update_date: date | None
    detection_seen: str | None = None
    file_name: str | None = None


def check_request(form: RequestForm, blob: StoredBlob | None) -> RequestForm:
    """Validate a request without writing anything; returns it cleaned. Raises ServiceError for the first problem."""
    if form.request_type not in set(RequestType):
        raise ServiceError("Choose the request type.", "request_type")
    description = (form.description or "").strip()
    if not description:
        raise ServiceError("Describe the problem.", "description")
    product = (form.product or "").strip()
    if not product:
        raise ServiceError("Name the product installed on your computer.", "product")
    if form.last_update_date is None:
        raise ServiceError("Enter the date of the last successful database update.", "last_update_date")
    # "today" where the customer is: the last time zone to reach a date is UTC+14
    if form.last_update_date > (utcnow() + timedelta(hours=14)).date():
        raise ServiceError("The date of the last database update cannot be in the future.", "last_update_date")
    detection = (form.detection_seen or "").strip() or None
    if form.request_type == RequestType.FALSE_ALARM and not detection:
        raise ServiceError("Enter the name of the detection your product showed.", "detection_seen")
    if form.request_type in NEEDS_FILE and blob is None:
        raise ServiceError("Attach the file (zip it with the password infected).", "sample")
    return RequestForm(form.request_type, description[:20_000], product[:160], form.last_update_date,
                       detection[:255] if detection else None, (form.file_name or "")[:255] or None)


def create_submission(actor: Actor, customer: Customer, form: RequestForm, blob: StoredBlob | None) -> Submission:
    """File the request: the stored file becomes a sample row (deduplicated by SHA-256), the request gets its
    number and its analysis job, the customer a confirmation mail. One commit, and no heavy work: the worker
    unpacks and scans."""
    submission = file_request(actor, customer, form, blob)
    db.session.commit()
    return submission


def file_request(actor: Actor, customer: Customer, form: RequestForm, blob: StoredBlob | None) -> Submission:
    """create_submission's work, in the caller's transaction: for a caller that records more with it (a ticket
    file sent to the lab) and commits once. Raises ServiceError before writing anything for a bad form."""
    form = check_request(form, blob)
    sample = intake.sample_for_blob(blob)[0] if blob is not None else None
    submission = Submission(
        customer_id=customer.id, request_type=form.request_type, description=form.description,
        detection_seen=form.detection_seen, product=form.product, last_update_date=form.last_update_date,
        email=customer.email, file_name=form.file_name if sample else None, sample_id=sample.id if sample else None,
        state=SubmissionState.RECEIVED if sample else SubmissionState.WAITING,
    )
    _insert_with_number(submission)
    if sample is not None:
        submission.analysis_job = enqueue(ANALYSE, {"submission_id": submission.id})
    record(actor, "viruslab.submitted", submission, after={"number": submission.number,
                                                           "sample": sample.sha256 if sample else None})
    webhooks.emit("lab.request_submitted", {"number": submission.number, "request_type": submission.request_type,
                                            "customer_id": customer.id, "sample": sample.sha256 if sample else None})
    queue_mail(customer.email, f"Your Virus Lab request {submission.number}", "viruslab_received",
               submission=submission, type_label=REQUEST_TYPE_LABELS[RequestType(form.request_type)])
    return submission


def new_number() -> str:
    suffix = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_SUFFIX_LENGTH))
    return f"VL-{utcnow():%Y%m%d}-{suffix}"


def _insert_with_number(submission: Submission) -> None:
    for _attempt in range(NUMBER_ATTEMPTS):
        submission.number = new_number()
        try:
            with db.session.begin_nested():  # a savepoint: a collision undoes only this insert
                db.session.add(submission)
                db.session.flush()
            return
        except IntegrityError:
            if db.session.scalar(select(Submission.id).where(Submission.number == submission.number)) is None:
                raise  # some other constraint: not ours to retry
    raise ServiceError("Could not number the request; please submit it again.")


def customer_submission(customer: Customer, number: str) -> Submission | None:
    """A request by number, only if it is this customer's (anyone else's answers as if it did not exist)."""
    return db.session.scalar(select(Submission).where(Submission.number == number,
                                                      Submission.customer_id == customer.id))


def customer_submissions(customer: Customer, limit: int = 100) -> list[Submission]:
    # each row shows its overall verdict: load the files and their samples in two queries, not two per row
    return list(db.session.scalars(select(Submission).where(Submission.customer_id == customer.id)
                                   .options(selectinload(Submission.files).selectinload(SubmissionFile.sample))
                                   .order_by(Submission.id.desc()).limit(limit)))


def claim(actor: Actor, submission: Submission) -> Submission:
    """Take an open request into analysis. A conditional update: of two analysts claiming at once, one wins."""
    result = db.session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.assignee_id.is_(None), Submission.state.in_(OPEN_STATES))
        .values(assignee_id=actor.id)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(submission)
        if submission.assignee_id == actor.id:
            raise ServiceError("You have already claimed this request.")
        if submission.state not in OPEN_STATES:
            raise ServiceError("This request is no longer open.")
        raise ServiceError(f"Already claimed by {submission.assignee.name}.")
    record(actor, "viruslab.claimed", submission, after={"assignee_id": actor.id})
    db.session.commit()
    db.session.refresh(submission)
    return submission


def set_verdict(actor: Actor, sample: Sample, verdict: str, detection_name: str | None, notes: str | None) -> Sample:
    """Set the sample's verdict; the history keeps every verdict with who set it and why. Every waiting request
    whose files this verdict completes is answered, and its submitter mailed, in the same commit."""
    if verdict not in set(Verdict):
        raise ServiceError("Choose a verdict.", "verdict")
    detection_name = (detection_name or "").strip()[:255] or None
    if verdict in NEEDS_DETECTION and not detection_name:
        raise ServiceError("A malicious or PUA verdict needs a detection name.", "detection_name")
    before = {"verdict": sample.verdict, "detection_name": sample.detection_name}
    sample.verdict = verdict
    sample.detection_name = detection_name
    db.session.add(VerdictChange(sample_id=sample.id, verdict=verdict, detection_name=detection_name,
                                 notes=(notes or "").strip() or None, staff_id=actor.id))
    record(actor, "sample.verdict_set", sample, before=before,
           after={"verdict": verdict, "detection_name": detection_name})
    webhooks.emit("lab.verdict_set", {"sha256": sample.sha256, "verdict": verdict, "detection_name": detection_name,
                                      "previous": before})
    verdicts.answer_requests_holding(sample)  # its query flushes the new verdict before locking the requests
    db.session.commit()
    return sample


def retry_analysis(actor: Actor, submission: Submission) -> Submission:
    """Queue a failed analysis again (an analyst's action), with a fresh set of attempts."""
    if submission.state != SubmissionState.ANALYSIS_FAILED or submission.analysis_job_id is None:
        raise ServiceError("Only a request whose analysis failed can be analysed again.")
    before = {"state": submission.state, "analysis_error": submission.analysis_error}
    if not retry_failed(submission.analysis_job_id):  # its job's on_retry makes the request received again
        db.session.rollback()
        raise ServiceError("This analysis is already queued again.")
    record(actor, "viruslab.analysis_retried", submission, before=before, after={"state": submission.state})
    db.session.commit()
    return submission


def rescan(actor: Actor, sample: Sample) -> None:
    """Queue the sample to be unpacked and scanned again with today's rules (an analyst's "Scan again")."""
    enqueue(RESCAN, {"sample_id": sample.id})
    record(actor, "sample.rescan_queued", sample, after={"sha256": sample.sha256})
    db.session.commit()


def reply(actor: Actor, submission: Submission, text: str) -> Submission:
    """Answer the submitter publicly: a Virus Lab message in the request's conversation, mailed to them; a request
    waiting for the lab becomes answered (conversation.staff_reply)."""
    conversation.staff_reply(submission, actor, text)
    return submission


def close(actor: Actor, submission: Submission) -> Submission:
    submission = locked(submission)  # a message being added at this moment lands before the close, or is refused
    if submission.state == SubmissionState.CLOSED:
        raise ServiceError("This request is closed already.")
    before = {"state": submission.state}
    submission.state = SubmissionState.CLOSED
    record(actor, "viruslab.closed", submission, before=before, after={"state": submission.state})
    db.session.commit()
    return submission
