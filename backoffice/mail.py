"""Outgoing mail through a transactional outbox.

`queue_mail` adds a row to the caller's transaction, so a message exists exactly when the change that caused
it commits. `deliver_due` is the worker's loop body: it claims due rows with a conditional update (and
`SKIP LOCKED` on PostgreSQL), so several workers never send one message twice, then sends them over SMTP,
or to the log when no SMTP host is configured.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template
from sqlalchemy import and_, or_, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import OutboxMessage, OutboxStatus

log = logging.getLogger("backoffice.mail")


def queue_mail(to: str, subject: str, template: str, headers: dict | None = None, **context) -> OutboxMessage:
    """Render `email/<template>.txt` and `.html` and add the message to the current transaction."""
    context.setdefault("public_url", current_app.config["PUBLIC_URL"].rstrip("/"))
    message = OutboxMessage(
        to_addr=to,
        subject=subject,
        body_text=render_template(f"email/{template}.txt", subject=subject, **context),
        body_html=render_template(f"email/{template}.html", subject=subject, **context),
        headers=headers,
        template=template,
    )
    db.session.add(message)
    return message


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def _due_condition(now):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now),
        # a worker that claimed a message and died: take it over once the claim has lapsed
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )


def claim_due(limit: int) -> list[tuple[int, str]]:
    """Claim up to `limit` due messages for this worker; returns (id, claim token) pairs, committed."""
    now = utcnow()
    query = select(OutboxMessage.id).where(_due_condition(now)).order_by(OutboxMessage.next_attempt_at).limit(limit)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates = db.session.scalars(query).all()
    claimed = []
    lease = timedelta(seconds=current_app.config["MAIL_CLAIM_SECONDS"])
    for message_id in candidates:
        token = secrets.token_hex(8)
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due_condition(now))
            .values(
                status=OutboxStatus.SENDING,
                claim_token=token,
                claimed_until=now + lease,
                attempts=OutboxMessage.attempts + 1,
            )
        )
        if result.rowcount == 1:
            claimed.append((message_id, token))
    db.session.commit()
    return claimed


def deliver_due(limit: int = 50) -> DeliveryReport:
    """Send what is due now. Safe to run in many processes at once."""
    report = DeliveryReport()
    claimed = claim_due(limit)
    if not claimed:
        return report
    with _transport() as transport:
        unreachable: Exception | None = None
        for message_id, token in claimed:
            message = db.session.get(OutboxMessage, message_id)
            if message is None:  # deleted since it was claimed
                continue
            if unreachable is not None:
                # The server did not answer for this batch: count the attempt without waiting on it again, so a
                # batch never outlives its claims (which would let another worker send the same messages).
                _record_failure(message, token, unreachable, report)
            else:
                unreachable = _deliver(transport, message, token, report)
            db.session.commit()
    return report


def _deliver(transport, message: OutboxMessage, token: str, report: DeliveryReport) -> Exception | None:
    """Send one claimed message and record the outcome; returns the error if the server cannot be reached."""
    try:
        email = _as_email(message)
    except Exception as error:  # e.g. a header with a line break: it will never send, and must not block others
        _record_failure(message, token, error, report, permanent=True)
        return None
    try:
        transport.send(email)
    except _Unreachable as unreachable:
        _record_failure(message, token, unreachable.error, report)
        return unreachable.error
    except Exception as error:
        _record_failure(message, token, error, report, permanent=_is_permanent(error))
        if not isinstance(error, smtplib.SMTPResponseException):
            transport.reset()  # the connection may be half-way through a command: start afresh
        return None
    _finish(message.id, token, status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None)
    report.sent.append(message.id)
    return None


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer (unknown mailbox, message refused) will not change with retries; a 4xx or a network error may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def retry_failed(message_id: int) -> bool:
    """Put a failed message back in the queue with a fresh set of attempts (an admin action).

    A conditional update: False when the message is no longer failed (another admin retried it first).
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.QUEUED, attempts=0, next_attempt_at=utcnow(), claim_token=None,
                claimed_until=None),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["MAIL_RETRY_BASE_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


def _record_failure(message: OutboxMessage, token: str, error: Exception, report: DeliveryReport,
                    permanent: bool = False) -> None:
    error_text = f"{type(error).__name__}: {error}"[:2000]
    if permanent or message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _finish(message.id, token, status=OutboxStatus.FAILED, last_error=error_text)
        report.failed.append(message.id)
        log.error("giving up on outbox message %s to %s: %s", message.id, message.to_addr, error_text)
    else:
        _finish(
            message.id,
            token,
            status=OutboxStatus.QUEUED,
            next_attempt_at=utcnow() + backoff(message.attempts),
            last_error=error_text,
        )
        report.retrying.append(message.id)
        log.warning("outbox message %s failed (attempt %s): %s", message.id, message.attempts, error_text)


def _finish(message_id: int, token: str, **values) -> None:
    """Record the outcome, only while this worker still holds the claim."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values)
    )


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


class _Unreachable(Exception):
    """Connecting (or greeting, STARTTLS, login) failed: no message of this batch can be sent now."""

    def __init__(self, error: Exception):
        super().__init__(str(error))
        self.error = error


class _SmtpTransport:
    """One SMTP connection reused for a batch, reopened after a dropped connection."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                raise _Unreachable(error) from error
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
