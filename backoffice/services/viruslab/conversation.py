"""The conversation on a Virus Lab request: the customer's replies (with files they add), the analysts' public
replies (mailed to the submitter) and their internal notes (never shown or mailed to the customer).

The states move with it:
- a customer reply to an answered request puts it back with the analysts (waiting);
- a file the customer adds is a sample like the first one: the request goes back to received and a new analysis
  job, queued in the same commit, analyses every file sent so far (analysis.sent_files includes added files);
- an analyst's public reply answers a request that is with the analysts (waiting, or its analysis failed); while
  an analysis is queued or running the reply is sent but the request stays in analysis, so its files are still
  analysed and its verdict still decided.
The request's row is locked while a message is added, so a customer and an analyst writing at once take turns and
neither state change is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.mail import queue_mail
from backoffice.models import LabMessage, LabMessageFile, Submission, SubmissionState
from backoffice.models.support import AuthorKind, MessageKind
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.locking import locked
from backoffice.services.threads import author_fields, check_body, message_kind
from backoffice.services.viruslab import intake
from backoffice.services.viruslab.analysis import ANALYSE
from backoffice.services.viruslab.names import clean_file_name
from backoffice.storage import BlobTooLarge, StoredBlob, store_stream
from backoffice.web import format_bytes

S = SubmissionState
CLOSED_MESSAGE = "This request is closed. Send a new request to the Virus Lab if you need more help."
# a public reply answers a request that waits for the analysts; one queued or in analysis is not decided yet
ANSWERABLE = (S.WAITING, S.ANALYSIS_FAILED)


class FilesTooLarge(ServiceError):
    """The files went over the sample limit; nothing was recorded (the page answers 413, naming the limit)."""


@dataclass
class _Sent:
    blob: StoredBlob
    name: str


def thread(submission: Submission, include_notes: bool) -> list[LabMessage]:
    """The request's messages, oldest first, with their files; notes only for the analysts."""
    query = (select(LabMessage).where(LabMessage.submission_id == submission.id)
             .options(selectinload(LabMessage.files).selectinload(LabMessageFile.sample))
             .order_by(LabMessage.created_at, LabMessage.id))
    if not include_notes:
        query = query.where(LabMessage.kind == MessageKind.REPLY)
    return list(db.session.scalars(query))


def latest_answers(submissions: list[Submission]) -> dict[int, LabMessage]:
    """The latest public Virus Lab message of each request (for a list: one query, whatever its length)."""
    ids = [s.id for s in submissions]
    if not ids:
        return {}
    public_staff = (LabMessage.submission_id.in_(ids), LabMessage.kind == MessageKind.REPLY,
                    LabMessage.author_kind == AuthorKind.STAFF)
    latest = select(func.max(LabMessage.id)).where(*public_staff).group_by(LabMessage.submission_id)
    return {m.submission_id: m for m in db.session.scalars(select(LabMessage).where(LabMessage.id.in_(latest)))}


def limit_text() -> str:
    return format_bytes(current_app.config["SAMPLE_MAX_BYTES"])


def customer_reply(submission: Submission, actor: Actor, body: str, uploads: list | None = None) -> LabMessage:
    """The customer writes to the lab, perhaps adding files; see the module's notes for the states."""
    uploads = [u for u in (uploads or []) if getattr(u, "filename", None)]
    body = check_body(body, uploads)
    if submission.state == S.CLOSED:  # refused before any file is stored; checked again under the lock
        raise ServiceError(CLOSED_MESSAGE, "body")
    sent = _store(uploads)  # outside the lock: writing up to the sample limit to disk takes a while
    submission = locked(submission)
    if submission.state == S.CLOSED:
        db.session.rollback()  # let go of the row at once
        raise ServiceError(CLOSED_MESSAGE, "body")
    before = {"state": submission.state}
    message = _add(submission, MessageKind.REPLY, author_fields(AuthorKind.CUSTOMER, actor), body)
    samples = []
    for item in sent:
        sample = intake.sample_for_blob(item.blob)[0]
        db.session.add(LabMessageFile(message_id=message.id, sample_id=sample.id, name=item.name))
        samples.append(sample)
    if samples:
        submission.state = S.RECEIVED
        submission.analysis_job = enqueue(ANALYSE, {"submission_id": submission.id})
    elif submission.state == S.ANSWERED:
        submission.state = S.WAITING
    record(actor, "viruslab.customer_replied", submission, before=before,
           after={"state": submission.state, "message": message.id,
                  "samples": " ".join(s.sha256 for s in samples) or None})
    db.session.commit()
    return message


def staff_reply(submission: Submission, actor: Actor, body: str, internal: bool = False) -> LabMessage:
    """An analyst's public reply (mailed to the submitter; answers a request waiting for the lab) or an internal
    note (for the analysts only: no mail, no state change)."""
    body = check_body(body, [], empty="Write the note." if internal else "Write the answer to the submitter.")
    submission = locked(submission)
    if submission.state == S.CLOSED:
        db.session.rollback()  # let go of the row at once
        raise ServiceError("This request is closed.", "body")
    before = {"state": submission.state}
    # the analyst signs it for the console; the customer sees every staff message as "Virus Lab"
    message = _add(submission, message_kind(internal), author_fields(AuthorKind.STAFF, actor), body)
    if internal:
        record(actor, "viruslab.note_added", submission, after={"message": message.id})
    else:
        if submission.state in ANSWERABLE:
            submission.state = S.ANSWERED
            submission.answered_at = message.created_at
        if submission.assignee_id is None and actor.kind == "staff":
            submission.assignee_id = actor.id  # whoever answers an unclaimed request takes it
        record(actor, "viruslab.staff_replied", submission, before=before,
               after={"state": submission.state, "message": message.id})
        if submission.customer is not None:  # None once anonymised: nobody to tell
            queue_mail(submission.customer.email, f"The Virus Lab answered your request {submission.number}",
                       "viruslab_message", automated=False, submission=submission, message=message)
    db.session.commit()
    return message


def _add(submission: Submission, kind: str, author: dict, body: str) -> LabMessage:
    message = LabMessage(submission_id=submission.id, kind=kind, body=body, created_at=utcnow(), **author)
    db.session.add(message)
    db.session.flush()
    return message


def _store(uploads: list) -> list[_Sent]:
    """Store each file in the blob store, all together within the sample limit; no rows are written here."""
    limit = current_app.config["SAMPLE_MAX_BYTES"]
    sent, used = [], 0
    for upload in uploads:
        name = clean_file_name(upload.filename)
        try:
            blob = store_stream(upload.stream, max_bytes=limit - used)
        except BlobTooLarge:
            if used:
                raise FilesTooLarge(f"The files together are larger than the limit of {limit_text()}. Send fewer "
                                    "at a time, or zip them.", "files") from None
            raise FilesTooLarge(f"“{name}” is larger than the limit of {limit_text()}. Send a smaller file, or "
                                "zip it.", "files") from None
        used += blob.size
        sent.append(_Sent(blob, name))
    return sent

