"""Which messages of a thread came by e-mail, and the sender checks staff see beside them, in words."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models.inbound_mail import InboundMessage


def by_message(message_ids: list[int]) -> dict[int, InboundMessage]:
    """The incoming e-mail each thread message was made from, by thread message id."""
    if not message_ids:
        return {}
    rows = db.session.scalars(select(InboundMessage).where(InboundMessage.ticket_message_id.in_(message_ids)))
    return {inbound.ticket_message_id: inbound for inbound in rows}


VERDICT_LABELS = {"pass": "pass", "fail": "fail", "softfail": "soft fail", "neutral": "neutral", "none": "none",
                  "temperror": "temporary error", "permerror": "permanent error", "policy": "policy"}


def verdicts_text(model: InboundMessage) -> str:
    """"SPF pass · DKIM pass · DMARC fail", or that the receiving server gave none."""
    parts = [f"{name} {VERDICT_LABELS.get(value, value)}" for name, value in
             (("SPF", model.spf), ("DKIM", model.dkim), ("DMARC", model.dmarc)) if value]
    return " · ".join(parts) or "No verdict from the receiving server"
