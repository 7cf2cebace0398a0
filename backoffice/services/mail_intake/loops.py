"""Mail that must not be answered, and mail that must not be taken at all: the loop rules (RFC 3834 and what mail
systems actually send).

- ignored altogether: auto-generated mail (Auto-Submitted other than "no", X-Autoreply/X-Autorespond),
  Precedence bulk/list/junk, mailing lists (List-Id), mail carrying our own Message-ID or our own From, and mail
  from system senders (MAILER-DAEMON, postmaster, no-reply): answering any of these could start a loop.
- never auto-replied to, though still threaded: X-Auto-Response-Suppress (Exchange's "do not answer me
  automatically"), so a customer's reply from Outlook still reaches its ticket.
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app

from backoffice.services.mail_intake.parse import ParsedMail
from backoffice.services.support.reply_address import mail_domain

SYSTEM_SENDERS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply",
                            "bounce", "bounces"})
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
SUPPRESS_VALUES = frozenset({"all", "oof", "autoreply"})


def loop_reason(mail: ParsedMail) -> str | None:
    """Why this message must be ignored (in words staff read), or None."""
    auto_submitted = mail.header("Auto-Submitted").split(";", 1)[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Sent automatically (Auto-Submitted: {auto_submitted})."
    if mail.header("X-Autoreply") or mail.header("X-Autorespond"):
        return "Sent automatically (an auto-responder's header)."
    precedence = mail.header("Precedence").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Bulk or list mail (Precedence: {precedence})."
    if mail.header("List-Id"):
        return "Mail from a mailing list (List-Id)."
    if mail.message_id and mail.message_id.rstrip(">").lower().endswith("@" + mail_domain().lower()):
        return "Our own message came back (its Message-ID is ours)."
    if mail.from_addr and mail.from_addr in own_addresses():
        return "Sent from our own address."
    local = mail.from_addr.partition("@")[0]
    if not mail.from_addr or local in SYSTEM_SENDERS:
        return "From a system address (no person to answer)."
    return None


def suppresses_auto_reply(mail: ParsedMail) -> bool:
    values = {value.strip().lower() for value in mail.header("X-Auto-Response-Suppress").split(",")}
    return bool(values & SUPPRESS_VALUES)


def own_addresses() -> set[str]:
    config = current_app.config
    addresses = {parseaddr(config["MAIL_FROM"])[1].lower()}
    if config.get("MAIL_REPLY_ADDRESS"):
        addresses.add(config["MAIL_REPLY_ADDRESS"].lower())
    return addresses
