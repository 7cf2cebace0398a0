"""Outgoing mail through a transactional outbox, delivered by the job queue.

`queue_mail` adds the message and its `mail.send` job to the caller's transaction, so a message exists exactly
when the change that caused it commits. The worker runs the jobs in batches that share one SMTP connection (or
the log, when no SMTP host is configured); attempts, backoff, leases and the last error are the job's, as for
every other kind of job.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue, retry_failed
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.jobs.worker import WorkReport, run_due
from backoffice.models import OutboxMessage, OutboxStatus

log = logging.getLogger("backoffice.mail")

SEND = "mail.send"


def queue_mail(to: str, subject: str, template: str, headers: dict | None = None, **context) -> OutboxMessage:
    """Render `email/<template>.txt` and `.html` and add the message, with the job that sends it, to the
    current transaction."""
    context.setdefault("public_url", current_app.config["PUBLIC_URL"].rstrip("/"))
    message = OutboxMessage(
        to_addr=to,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", subject=subject, **context),
        body_html=render_template(f"email/{template}.html", subject=subject, **context),
        headers=headers,
        template=template,
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
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_addr
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    for name, value in (message.headers or {}).items():
        email[name] = value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


class _SmtpTransport:
    """One SMTP connection reused for a batch, reopened after a dropped connection.

    When connecting (or greeting, STARTTLS, login) fails, the rest of the batch fails with the same error without
    waiting on the server again: a hanging server costs one timeout per batch, so a batch never outlives the
    leases of its jobs (which would let another worker send the same messages)."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None
        self.unreachable: Exception | None = None

    def send(self, email: EmailMessage) -> None:
        if self.unreachable is not None:
            raise self.unreachable
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                self.unreachable = error
                raise
        self.connection.send_message(email)

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

    def send(self, email: EmailMessage) -> None:
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
    except Exception as error:  # e.g. a header with a line break: it will never send, and must not block others
        raise PermanentMailError(f"{type(error).__name__}: {error}") from error
    try:
        transport.send(email)
    except Exception as error:
        if not isinstance(error, smtplib.SMTPResponseException):
            transport.reset()  # the connection may be half-way through a command: start afresh
        raise
    message.status = OutboxStatus.SENT
    message.sent_at = utcnow()
