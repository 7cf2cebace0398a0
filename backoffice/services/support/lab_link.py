"""The door between a support request and the Virus Lab: a ticket file becomes a lab request of the ticket's
customer, linked both ways (the file keeps the lab request it became), and the lab's verdict and answer come back
to the ticket for staff and customer alike.

Sending needs no heavy work: the file's hashes were taken as it was stored, so the lab's sample row is made from
them, and the lab request's own analysis job unpacks and scans. Files of a "Virus disinfection" request go by
themselves (VIRUSLAB_AUTO_SEND_DISINFECTION), in the transaction that attaches them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backoffice.extensions import db
from backoffice.models import Attachment, Submission, SubmissionFile, Ticket
from backoffice.models.support import AttachmentSource, AuthorKind
from backoffice.models.viruslab import CUSTOMER_STATE_LABELS, STATE_LABELS, RequestType, SubmissionState
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.locking import locked
from backoffice.services.support.history import log_event
from backoffice.services.viruslab import conversation, submissions, verdicts
from backoffice.storage import StoredBlob

DISINFECTION = "disinfection"
AUTO_ACTOR = Actor.system("support: virus disinfection request")


def send_to_lab(actor: Actor, attachment: Attachment) -> Submission:
    """Staff's "Send to the Virus Lab" on one ticket file. Of two clicks at once, the second finds it sent."""
    submission = _send(actor, attachment)
    db.session.commit()
    return submission


def auto_send(ticket: Ticket, attachments: list[Attachment]) -> list[Submission]:
    """Send the customer's new files of a "Virus disinfection" request (not the system report) to the lab, in
    the caller's transaction. Nothing when VIRUSLAB_AUTO_SEND_DISINFECTION is off or the type is another."""
    if not current_app.config["VIRUSLAB_AUTO_SEND_DISINFECTION"] or ticket.request_type.code != DISINFECTION:
        return []
    return [_send(AUTO_ACTOR, attachment) for attachment in attachments
            if attachment.source != AttachmentSource.SYSINFO and attachment.lab_submission_id is None
            and attachment.md5 is not None  # a file stored before hashes were kept goes by hand, once checked
            and (attachment.message is None or attachment.message.author_kind == AuthorKind.CUSTOMER)]


def _send(actor: Actor, attachment: Attachment) -> Submission:
    attachment = locked(attachment)
    if attachment.lab_submission_id is not None:
        raise ServiceError(f"“{attachment.filename}” was sent to the Virus Lab already, as "
                           f"{attachment.lab_submission.number}.")
    ticket = attachment.ticket
    if ticket is None:
        raise ServiceError("This file belongs to no request.")
    if not (attachment.md5 and attachment.sha1 and attachment.sha512):
        raise ServiceError(f"“{attachment.filename}” is still being checked; send it once its scan is shown.")
    blob = StoredBlob(sha256=attachment.sha256, md5=attachment.md5, sha1=attachment.sha1,
                      sha512=attachment.sha512, size=attachment.size)
    submission = submissions.file_request(actor, ticket.customer, _request_form(ticket, attachment), blob)
    attachment.lab_submission_id = submission.id
    log_event(ticket, actor, "sent_to_virus_lab", None, {"file": attachment.filename, "lab request": submission.number})
    record(actor, "ticket_file.sent_to_lab", attachment,
           after={"ticket": ticket.number, "file": attachment.filename, "submission": submission.number})
    return submission


def _request_form(ticket: Ticket, attachment: Attachment) -> submissions.RequestForm:
    product = " ".join(filter(None, (ticket.product.name if ticket.product else None, ticket.product_version)))
    description = (f"Sent from support request {ticket.number} ({ticket.request_type.name}): {ticket.subject}\n\n"
                   f"{ticket.description}")
    # the support wizard does not ask for the last database update: the request's date is the best known
    return submissions.RequestForm(RequestType.UNKNOWN_MALWARE, description, product or "Not named in the request",
                                   ticket.created_at.date(), None, attachment.filename)


@dataclass(frozen=True)
class LabResult:
    """What the lab made of one ticket file, for the console's ticket page and the customer's request page."""

    submission: Submission
    state_label: str  # staff's words
    customer_state_label: str
    verdict_label: str | None  # None until the lab has a verdict
    detection_names: list[str]
    answer: str | None  # the lab's latest public answer

    @property
    def answered(self) -> bool:
        return self.submission.state in (SubmissionState.ANSWERED, SubmissionState.CLOSED)


def lab_results(attachments: list[Attachment]) -> dict[int, LabResult]:
    """Each sent file's lab request with its verdict and answer, by attachment id: three queries for any number."""
    sent = {a.lab_submission_id: a.id for a in attachments if a.lab_submission_id is not None}
    if not sent:
        return {}
    found = list(db.session.scalars(select(Submission).where(Submission.id.in_(sent))
                                    .options(selectinload(Submission.files).selectinload(SubmissionFile.sample))))
    answers = conversation.latest_answers(found)
    results = {}
    for submission in found:
        outcome = verdicts.request_verdict(submission)
        state = SubmissionState(submission.state)
        answer = answers.get(submission.id)
        results[sent[submission.id]] = LabResult(submission, STATE_LABELS[state], CUSTOMER_STATE_LABELS[state],
                                                 outcome.label, outcome.detection_names,
                                                 answer.body if answer else None)
    return results


def origin_of(submission: Submission) -> Attachment | None:
    """The ticket file a lab request was made from, if it was (its ticket is `.ticket`)."""
    return db.session.scalar(select(Attachment).where(Attachment.lab_submission_id == submission.id))
