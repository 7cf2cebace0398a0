"""Outgoing mail through a transactional outbox, delivered by the job queue.

`queue_mail` adds the message and its `mail.send` job to the caller's transaction, so a message exists exactly
when the change that caused it commits. The worker runs the jobs in batches that share one SMTP connection (or
the log, when no SMTP host is configured); attempts, backoff, leases and the last error are the job's, as for
every other kind of job.

What a message is fixed when it is queued: its Message-ID, its Date and its headers (threading, Reply-To,
Auto-Submitted), so a retry sends the same message. Only the DKIM signature is made at send time, over the bytes
sent (mail_signing).
"""

from __future__ import annotations

import logging
import smtplib
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app, render_template
from sqlalchemy import select

from backoffice import mail_signing
from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue, retry_failed
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.jobs.worker import WorkReport, run_due
from backoffice.mail_threads import new_message_id, reply_headers
from backoffice.models import OutboxMessage, OutboxStatus

log = logging.getLogger("backoffice.mail")

SEND = "mail.send"


# RFC 3834: mail no person wrote. It also asks Exchange-style servers to keep their out-of-office answers to
# themselves; bounces (NDRs) are still wanted, so not "All".
AUTOMATED_HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "OOF, AutoReply"}
# bodies 7-bit clean (quoted-printable where a text is not ASCII): a relay that would convert an 8-bit body for a
# server without 8BITMIME would change the bytes and break a DKIM signature
_COMPOSE = policy.default.clone(cte_type="7bit")


def queue_mail(to: str, subject: str, template: str, headers: dict | None = None, *, ticket_id: int | None = None,
               automated: bool = True, **context) -> OutboxMessage:
    """Render `email/<template>.txt` and `.html` and add the message, with the job that sends it, to the
    current transaction.

    `ticket_id`: the ticket the message is about; it then threads after the earlier mails of that ticket to the
    same address. `automated=False` for what a person wrote (a staff member's answer), which per RFC 3834 carries
    no Auto-Submitted: a customer's out-of-office and mail rules should treat it as the personal mail it is."""
    context.setdefault("public_url", current_app.config["PUBLIC_URL"].rstrip("/"))
    headers = {**(AUTOMATED_HEADERS if automated else {}), **(headers or {})}
    if ticket_id is not None:
        headers.update(reply_headers(ticket_id, to))
    message = OutboxMessage(
        to_addr=to,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", subject=subject, **context),
        body_html=render_template(f"email/{template}.html", subject=subject, **context),
        headers=headers or None,
        template=template,
        message_id=new_message_id(),
        ticket_id=ticket_id,
        created_at=utcnow(),  # the Date header: when the message was written, the same on every retry
    )
    # the job finds its message by job id, so nothing needs flushing here: the caller's change, flushed now,
    # could fail inside queue_mail instead of at the caller's commit, where it is handled
    message.job = enqueue(SEND)
    db.session.add(message)
    return message


def deliver_due(limit: int = 50) -> WorkReport:
    """Run the mail jobs that are due now (the worker runs every kind; tests and tools may want mail alone)."""
    return run_due(limit, [SEND])


class PermanentMailError(PermanentJobError):
    """Retrying will not help: the message cannot be built, or the server refused it for good (5xx)."""


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer (unknown mailbox, message refused) will not change with retries; a 4xx or a network error may."""
    if isinstance(error, PermanentJobError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _message_of(job_id: int) -> OutboxMessage | None:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.job_id == job_id))


def _give_up(job_id: int, payload: dict, error: str) -> None:
    message = _message_of(job_id)
    if message is not None:
        message.status = OutboxStatus.FAILED
        log.error("giving up on outbox message %s to %s: %s", message.id, message.to_addr, error)



def retry(message: OutboxMessage) -> bool:
    """Queue a failed message again with a fresh set of attempts (its job's on_retry queues the message). False
    when it is no longer failed."""
    return message.status == OutboxStatus.FAILED and message.job_id is not None and retry_failed(message.job_id)


def _queue_again(job_id: int, payload: dict) -> None:
    message = _message_of(job_id)
    if message is not None and message.status == OutboxStatus.FAILED:
        message.status = OutboxStatus.QUEUED


def _as_email(message: OutboxMessage) -> EmailMessage:
    if message.message_id is None:  # queued before Message-IDs were fixed at queue time: fixed now, kept after
        message.message_id = new_message_id()
    email = EmailMessage(policy=_COMPOSE)
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)  # aware UTC: "+0000", never the unknown zone "-0000"
    email["Message-ID"] = message.message_id
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def _needs_smtputf8(email: EmailMessage) -> bool:
    return not (parseaddr(str(email["From"]))[1] + parseaddr(str(email["To"]))[1]).isascii()


def _wire_bytes(email: EmailMessage) -> bytes:
    """The message exactly as it goes to the server (CRLF lines), which is what DKIM signs."""
    return email.as_bytes(policy=policy.SMTPUTF8 if _needs_smtputf8(email) else policy.SMTP)


class _SmtpTransport:
    """One SMTP connection reused for a batch, reopened after a dropped connection.

    When connecting (or greeting, STARTTLS, login) fails, the rest of the batch fails with the same error without
    waiting on the server again: a hanging server costs one timeout per batch, so a batch never outlives the
    leases of its jobs (which would let another worker send the same messages)."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None
        self.unreachable: Exception | None = None

    def send(self, email: EmailMessage, raw: bytes) -> None:
        if self.unreachable is not None:
            raise self.unreachable
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                self.unreachable = error
                raise
        # the bytes as built and signed, not send_message's own flattening of `email`, which could differ
        options = ["SMTPUTF8", "BODY=8BITMIME"] if _needs_smtputf8(email) else []
        self.connection.sendmail(parseaddr(str(email["From"]))[1], [parseaddr(str(email["To"]))[1]], raw,
                                 mail_options=options)

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        connection = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT_SECONDS"])
        if config["SMTP_STARTTLS"]:
            connection.starttls()
        if config["SMTP_USER"]:
            connection.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        return connection

    def reset(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
        self.reset()


class _LogTransport:
    """Development delivery: the whole message goes to the log, links included."""

    def send(self, email: EmailMessage, raw: bytes) -> None:
        text = email.get_body(("plain",))
        log.info(
            "mail (no SMTP host configured)\nTo: %s\nSubject: %s\n\n%s",
            email["To"], email["Subject"], text.get_content() if text else "",
        )

    def reset(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


def _transport():
    config = current_app.config
    return _SmtpTransport(config) if config.get("SMTP_HOST") else _LogTransport()


@job_kind(SEND, max_attempts_key="MAIL_MAX_ATTEMPTS", retry_base_key="MAIL_RETRY_BASE_SECONDS",
          lease_key="MAIL_CLAIM_SECONDS", batch_context=_transport, is_permanent=_is_permanent, on_give_up=_give_up,
          on_retry=_queue_again)
def send_message(claim: Claim, transport) -> None:
    """Send one queued message over the batch's transport and mark it sent."""
    message = _message_of(claim.job_id)
    if message is None or message.status == OutboxStatus.SENT:
        return  # deleted, or sent by an earlier run of this job whose outcome was lost
    try:
        email = _as_email(message)
        raw = _wire_bytes(email)
    except Exception as error:  # e.g. a header with a line break: it will never send, and must not block others
        raise PermanentMailError(f"{type(error).__name__}: {error}") from error
    raw = mail_signing.sign(raw)  # a key that cannot be used is an error to fix, retried, not this message's fault
    try:
        transport.send(email, raw)
    except Exception as error:
        if not isinstance(error, smtplib.SMTPResponseException):
            transport.reset()  # the connection may be half-way through a command: start afresh
        raise
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
