"""The `mail.intake` job: what one stored message becomes.

In order: a delivery report marks what bounced; a loop (auto-generated, bulk, list, our own mail) is ignored; a
message that points at a ticket (threading.find_ticket) joins it as the customer's reply, through the portal's own
`customer_reply`, when its sender is that ticket's customer, and otherwise waits for staff review (its sender gets
nothing); a message that points nowhere becomes a new request through the portal's submit when its sender is an
active customer, and gets the one daily auto-reply otherwise. DMARC failures go to review when
MAIL_INTAKE_DMARC_FAIL is "review". The outcome and its reason are recorded on the message in the transaction that
does the work, so a job run again (its worker died) finds it done.
"""

from __future__ import annotations

import io
import logging

from flask import current_app
from sqlalchemy import func, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.models import Customer, CustomerStatus, Ticket, TicketMessage
from backoffice.models.inbound_mail import InboundMessage
from backoffice.models.inbound_mail import InboundOutcome as Outcome
from backoffice.models.support import AttachmentSource, TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.labels import CUSTOMER_STATUS_LABELS
from backoffice.services.mail_intake import auth_results, auto_reply, bounces, loops, quoting
from backoffice.services.mail_intake.parse import MailFile, ParsedMail, parse
from backoffice.services.mail_intake.receive import INTAKE
from backoffice.services.mail_intake.threading import Pointer, find_ticket
from backoffice.services.support import submit, wizard
from backoffice.services.support.attachments import Upload
from backoffice.services.support.correspondence import customer_reply
from backoffice.services.threads import BODY_MAX
from backoffice.storage import BlobNotFound, open_blob
from backoffice.web import format_bytes

log = logging.getLogger("backoffice.mail_intake")
NO_TEXT = "(The e-mail had no text.)"


def _give_up(_job_id: int, payload: dict, error: str) -> None:
    """The intake failed for good: the message goes to staff, with why, rather than staying unread forever."""
    inbound = _locked(payload.get("inbound_id"))
    if inbound is not None and inbound.outcome == Outcome.RECEIVED:
        inbound.outcome, inbound.processed_at = Outcome.NEEDS_REVIEW, utcnow()
        inbound.reason = f"Could not be read automatically: {error}"[:500]


@job_kind(INTAKE, max_attempts_key="MAIL_INTAKE_MAX_ATTEMPTS", retry_base_key="MAIL_INTAKE_RETRY_BASE_SECONDS",
          lease_key="MAIL_INTAKE_LEASE_SECONDS", on_give_up=_give_up)
def run_intake(claim: Claim, _context) -> None:
    process(claim.payload.get("inbound_id"))


def process(inbound_id: int) -> InboundMessage | None:
    inbound = _locked(inbound_id)
    if inbound is None or inbound.outcome != Outcome.RECEIVED:
        return inbound  # done by an earlier run of this job
    try:
        with open_blob(inbound.raw_sha256) as stream:
            raw = stream.read()
    except BlobNotFound:
        raise PermanentJobError("The stored message is missing from the blob store.") from None
    mail = parse(raw)
    verdicts = auth_results.verdicts(mail)
    inbound.spf, inbound.dkim, inbound.dmarc = verdicts.spf, verdicts.dkim, verdicts.dmarc
    report = bounces.bounce_of(mail)
    if report is not None:
        return _finish(inbound, Outcome.BOUNCE, bounces.record(report))
    reason = loops.loop_reason(mail)
    if reason:
        return _finish(inbound, Outcome.IGNORED, reason)
    sender = db.session.scalar(select(Customer).where(Customer.email == mail.from_addr))
    recipients = [address for address in inbound.to_addrs.split(",") if address]
    pointer = find_ticket(mail, recipients, sender)
    dmarc_review = verdicts.dmarc_failed and current_app.config["MAIL_INTAKE_DMARC_FAIL"] == "review"
    if pointer is not None:
        return _answer(inbound, mail, pointer, sender, dmarc_review)
    if sender is not None and sender.status == CustomerStatus.ACTIVE:
        if dmarc_review:
            return _finish(inbound, Outcome.NEEDS_REVIEW, "A new request whose sender failed DMARC: the From "
                                                          "address may be forged.")
        return _new_request(inbound, mail, sender, recipients)
    if loops.suppresses_auto_reply(mail):
        return _finish(inbound, Outcome.IGNORED, "From an address with no active account, asking not to be answered "
                                                 "automatically.")
    if auto_reply.send(mail):
        return _finish(inbound, Outcome.AUTO_REPLIED, "From an address with no active account: told where the portal "
                                                      "and its request form are.")
    return _finish(inbound, Outcome.IGNORED, "From an address with no active account, already answered automatically "
                                             "today.")


def _answer(inbound: InboundMessage, mail: ParsedMail, pointer: Pointer, sender: Customer | None,
            dmarc_review: bool) -> InboundMessage:
    ticket = pointer.ticket
    inbound.ticket_id = ticket.id
    if sender is None or ticket.customer_id != sender.id:
        return _finish(inbound, Outcome.NEEDS_REVIEW, f"Points at {ticket.number} by {pointer.how}, but "
                                                      f"{mail.from_addr} is not that request's customer.")
    if sender.status != CustomerStatus.ACTIVE:
        status = CUSTOMER_STATUS_LABELS.get(sender.status, sender.status).lower()
        return _finish(inbound, Outcome.NEEDS_REVIEW, f"A reply to {ticket.number} from a customer whose account is "
                                                      f"{status}.")
    if dmarc_review:
        return _finish(inbound, Outcome.NEEDS_REVIEW, f"A reply to {ticket.number} whose sender failed DMARC: the From "
                                                      "address may be forged.")
    if ticket.status == TicketStatus.CLOSED:
        return _new_request(inbound, mail, sender, [], follows=ticket)
    return join(inbound, mail, ticket, Actor("customer", sender.id, sender.email), f"by {pointer.how}")


def join(inbound: InboundMessage, mail: ParsedMail, ticket: Ticket, actor: Actor, how: str,
         outcome: str = Outcome.JOINED) -> InboundMessage:
    """Append the message's new text and files to the ticket as the customer's reply (the portal's service)."""
    uploads, notes = _uploads(mail.files)
    body = _body(quoting.new_text(mail.text), notes, bool(uploads))
    inbound_id = inbound.id
    inbound.outcome, inbound.reason, inbound.processed_at = outcome, f"Added to {ticket.number} {how}.", utcnow()
    try:
        message = customer_reply(ticket, actor, body, uploads, source=AttachmentSource.MAIL)  # commits the outcome
    except ServiceError as error:
        db.session.rollback()
        inbound = _locked(inbound_id)
        inbound.ticket_id = ticket.id
        return _finish(inbound, Outcome.NEEDS_REVIEW, f"Could not be added to {ticket.number}: {error.message}")
    inbound = db.session.get(InboundMessage, inbound_id)
    inbound.ticket_id, inbound.ticket_message_id = ticket.id, message.id
    db.session.commit()
    return inbound


def _new_request(inbound: InboundMessage, mail: ParsedMail, sender: Customer, recipients: list[str],
                 follows: Ticket | None = None) -> InboundMessage:
    uploads, notes = _uploads(mail.files)
    text = quoting.new_text(mail.text)
    if follows is not None:
        text = f"(By e-mail, about the closed request {follows.number}.)\n\n{text}"
    description = _body(text, notes, True) or NO_TEXT
    subject = (mail.subject or "Request by e-mail")[:200]
    inbound_id = inbound.id
    inbound.outcome, inbound.processed_at = Outcome.CREATED, utcnow()
    inbound.reason = "A new request by e-mail" + (f" (its request {follows.number} is closed)." if follows else ".")
    try:
        ticket = submit.submit_mail(sender.id, f"mail-{inbound.raw_sha256[:40]}", Actor("customer", sender.id,
                                    sender.email), _request_type(recipients), subject, description, uploads)
    except ServiceError as error:
        db.session.rollback()
        return _finish(_locked(inbound_id), Outcome.NEEDS_REVIEW, f"Could not become a request: {error.message}")
    inbound = db.session.get(InboundMessage, inbound_id)
    inbound.outcome, inbound.ticket_id = Outcome.CREATED, ticket.id  # again, should the submit have lost a race
    inbound.ticket_message_id = db.session.scalar(select(func.min(TicketMessage.id))
                                                  .where(TicketMessage.ticket_id == ticket.id))
    db.session.commit()
    return inbound


def _request_type(recipients: list[str]) -> str:
    """The queue mapped to the address the mail was sent to (MAIL_INTAKE_QUEUES), else the default type."""
    config = current_app.config
    queues = {address.lower(): code for address, code in config["MAIL_INTAKE_QUEUES"].items()}
    for address in recipients:
        code = queues.get(address)
        if code and wizard.request_type(code) is not None:
            return code
    return config["MAIL_INTAKE_DEFAULT_TYPE"]


def _uploads(files: list[MailFile]) -> tuple[list[Upload], list[str]]:
    """The files within the web uploads' limits (the support service checks them again as it stores them), and a
    line for each one left out."""
    per_file, total = current_app.config["ATTACHMENT_MAX_BYTES"], current_app.config["ATTACHMENTS_TOTAL_MAX_BYTES"]
    uploads, notes, used = [], [], 0
    for file in files:
        if len(file.data) > per_file:
            notes.append(f"“{file.filename}” was not attached: it is larger than {format_bytes(per_file)}. "
                         "Larger files can be sent by FTP (see the request page).")
        elif used + len(file.data) > total:
            notes.append(f"“{file.filename}” was not attached: the files would be over the total of "
                         f"{format_bytes(total)}.")
        else:
            used += len(file.data)
            uploads.append(Upload(io.BytesIO(file.data), file.filename or "attachment", file.content_type))
    return uploads, notes


def _body(text: str, notes: list[str], has_files: bool) -> str:
    text = text or ("" if has_files else NO_TEXT)
    if notes:
        text = (text + "\n\n" + "\n".join(f"[{note}]" for note in notes)).strip()
    if len(text) > BODY_MAX:
        cut = "\n\n[Shortened: the whole message is in the original e-mail.]"
        text = text[:BODY_MAX - len(cut)].rstrip() + cut
    return text


def _locked(inbound_id) -> InboundMessage | None:
    """The message row, locked on PostgreSQL so two runs of its job never decide it at once."""
    if not isinstance(inbound_id, int):
        return None
    return db.session.get(InboundMessage, inbound_id, with_for_update=True, populate_existing=True)


def _finish(inbound: InboundMessage, outcome: str, reason: str) -> InboundMessage:
    inbound.outcome, inbound.reason, inbound.processed_at = outcome, reason[:500], utcnow()
    log.info("inbound message %s from %s: %s (%s)", inbound.id, inbound.from_addr, outcome, reason)
    db.session.commit()
    return inbound
