"""The per-ticket reply address: `local+<token>@domain`, where the token names the ticket and is signed.

Mail from a client lands on the ticket whose token it was sent to, but only a token this server made counts: a
guessed or altered one names no ticket. The token is lower-case hex and digits only, because mail systems may
fold the case of a local part. It does not prove who writes: the intake still checks the sender against the
ticket's customer."""

from __future__ import annotations

import hashlib
import hmac
import re
from email.utils import parseaddr

from flask import current_app

_SIGNATURE_HEX = 20  # 80 bits: guessing one is out of reach, and the address stays short
_TOKEN = re.compile(rf"^(\d{{1,12}})-([0-9a-f]{{{_SIGNATURE_HEX}}})$")


def _signature(ticket_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"ticket-reply:{ticket_id}".encode(), hashlib.sha256).hexdigest()[:_SIGNATURE_HEX]


def _base_address() -> tuple[str, str]:
    config = current_app.config
    address = config.get("MAIL_REPLY_ADDRESS") or parseaddr(config["MAIL_FROM"])[1]
    local, _, domain = address.rpartition("@")
    return local.split("+", 1)[0], domain


def reply_address(ticket_id: int) -> str:
    """The address a reply to this ticket's mail should go to (its Reply-To)."""
    local, domain = _base_address()
    return f"{local}+{ticket_id}-{_signature(ticket_id)}@{domain}"


def ticket_id_of(address: str) -> int | None:
    """The ticket a recipient address names by a valid token, or None (no token, a foreign mailbox, a forgery)."""
    local, _, domain = parseaddr(address)[1].rpartition("@")
    base_local, base_domain = _base_address()
    mailbox, plus, token = local.partition("+")
    if not plus or mailbox.lower() != base_local.lower() or domain.lower() != base_domain.lower():
        return None
    match = _TOKEN.match(token.lower())
    if match is None:
        return None
    ticket_id = int(match.group(1))
    return ticket_id if hmac.compare_digest(match.group(2), _signature(ticket_id)) else None


def mail_domain() -> str:
    """The right-hand side of our Message-IDs: MAIL_DOMAIN, or the domain MAIL_FROM sends from."""
    config = current_app.config
    return config.get("MAIL_DOMAIN") or parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
