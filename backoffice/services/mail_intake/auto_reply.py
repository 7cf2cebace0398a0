"""The one answer a sender with no active account gets: where the portal is (registration, the request form).

It is the same words for an unknown, a pending and a locked address (nothing tells whether an address has an
account), at most MAIL_AUTO_REPLIES_PER_DAY per sender per day (a conditional upsert, so two intakes racing on the
last one send one), marked Auto-Submitted: auto-replied so that other responders do not answer it back.
"""

from __future__ import annotations

from flask import current_app

from backoffice.clock import utcnow
from backoffice.database import upsert_insert
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models.inbound_mail import AutoReplyQuota
from backoffice.services.mail_intake.parse import ParsedMail

TEMPLATE = "mail_intake_portal"


def take(address: str) -> bool:
    """Count one auto-reply to `address` today; False (nothing counted) once today's cap is reached."""
    cap = current_app.config["MAIL_AUTO_REPLIES_PER_DAY"]
    if cap <= 0:
        return False
    statement = upsert_insert(AutoReplyQuota).values(address=address, day=utcnow().date(), sent=1)
    statement = statement.on_conflict_do_update(
        index_elements=["address", "day"], set_={"sent": AutoReplyQuota.sent + 1},
        where=AutoReplyQuota.sent < cap).returning(AutoReplyQuota.sent)
    return db.session.execute(statement).scalar() is not None


def send(mail: ParsedMail) -> bool:
    """Queue the answer in the caller's transaction; False when today's cap for this sender is used up."""
    if not take(mail.from_addr):
        return False
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if mail.message_id:
        headers.update({"In-Reply-To": mail.message_id, "References": mail.message_id})
    subject = f"Re: {mail.subject}" if mail.subject else "Your message to Technical Support"
    queue_mail(mail.from_addr, subject[:255], TEMPLATE, headers=headers)
    return True
