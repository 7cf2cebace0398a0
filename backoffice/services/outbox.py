"""Staff operations on the mail outbox."""

from __future__ import annotations

from backoffice import mail
from backoffice.extensions import db
from backoffice.models import OutboxMessage, OutboxStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record


def retry(message: OutboxMessage, actor: Actor) -> None:
    if message.status != OutboxStatus.FAILED:
        raise ServiceError("Only a message that failed can be retried.")
    before = {"status": message.status, "attempts": message.attempts}
    if not mail.retry(message):
        db.session.rollback()
        raise ServiceError("Only a message that failed can be retried.")
    record(actor, "outbox.retried", message, after={"status": OutboxStatus.QUEUED.value}, before=before)
    db.session.commit()
