"""What lets a mail client thread our messages, and lets the intake match a reply to what we sent.

Every message gets its Message-ID when it is queued (stored with the angle brackets, `<hex@mail domain>`, and sent
as it is on every retry). The mails about one ticket to one address form a thread: each names the one before it
in In-Reply-To and the chain in References (RFC 5322 §3.6.4). The chain is per recipient because a customer's
mailbox holds only the mails sent to it: a staff member's notifications thread among themselves, never into the
customer's conversation.

Virus Lab mails have their Message-ID but no thread and no stored relation: the mail intake takes replies to
tickets only, so nothing would read one; their links lead to the request's own page instead.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import OutboxMessage
from backoffice.services.support.reply_address import mail_domain

# References are bounded as clients bound them: the thread's first message and the latest ones, so a long ticket
# keeps its root (what clients thread by) without a header that grows with every answer
MAX_REFERENCES = 20


def new_message_id() -> str:
    """Unguessable, so that knowing a ticket's number does not tell which Message-ID a reply must quote."""
    return f"<{secrets.token_hex(16)}@{mail_domain()}>"


def _earlier_ids(ticket_id: int, to: str) -> list[str]:
    with db.session.no_autoflush:  # the caller's change is flushed at its own commit, where its errors are handled
        stored = list(db.session.scalars(
            select(OutboxMessage.message_id)
            .where(OutboxMessage.ticket_id == ticket_id, func.lower(OutboxMessage.to_addr) == to.lower(),
                   OutboxMessage.message_id.is_not(None))
            .order_by(OutboxMessage.id)))
    pending = [message.message_id for message in db.session.new  # queued earlier in this very transaction
               if isinstance(message, OutboxMessage) and message.ticket_id == ticket_id
               and message.to_addr.lower() == to.lower() and message.message_id]
    return stored + [message_id for message_id in pending if message_id not in stored]


def reply_headers(ticket_id: int, to: str) -> dict[str, str]:
    """In-Reply-To and References for the next mail about this ticket to this address (none for the first)."""
    earlier = _earlier_ids(ticket_id, to)
    if not earlier:
        return {}
    chain = earlier if len(earlier) <= MAX_REFERENCES else [earlier[0], *earlier[-(MAX_REFERENCES - 1):]]
    return {"In-Reply-To": earlier[-1], "References": " ".join(chain)}
