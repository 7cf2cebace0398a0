"""DKIM signatures on outgoing mail (dkimpy), made by the worker just before a message is sent, over the very
bytes that go on the wire: signing at queue time would sign bytes that a later flattening might fold otherwise.

Off unless DKIM_SELECTOR and DKIM_PRIVATE_KEY_PATH are set; the signing domain is DKIM_DOMAIN, or the domain of
MAIL_FROM (a receiver's DMARC check wants the two aligned)."""

from __future__ import annotations

import os
from email.utils import parseaddr
from functools import lru_cache

import dkim
from flask import current_app

# besides dkimpy's recommended set (From, To, Subject, Date, Message-ID, Reply-To, References, MIME and List-*
# headers): what tells receivers how to treat the message, so nobody can strip or add them on the way
EXTRA_SIGNED = (b"auto-submitted", b"list-unsubscribe-post", b"x-auto-response-suppress")


class SigningError(RuntimeError):
    """The configured key cannot be used (missing, unreadable, not a key): mail waits, retried, until it is fixed."""


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("DKIM_SELECTOR") and config.get("DKIM_PRIVATE_KEY_PATH"))


def signing_domain() -> str:
    config = current_app.config
    return config.get("DKIM_DOMAIN") or parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2]


@lru_cache(maxsize=4)
def _key(path: str, modified_ns: int) -> bytes:  # the file's mtime in the key: a replaced key is read again
    with open(path, "rb") as file:
        return file.read()


def _private_key() -> bytes:
    path = current_app.config["DKIM_PRIVATE_KEY_PATH"]
    try:
        return _key(path, os.stat(path).st_mtime_ns)
    except OSError as error:
        raise SigningError(f"DKIM key {path}: {error.strerror}") from None


def sign(raw: bytes) -> bytes:
    """The message with its DKIM-Signature header in front, or as it was when signing is off."""
    if not enabled():
        return raw
    config = current_app.config
    signer = dkim.DKIM(raw)
    signer.should_sign.update(EXTRA_SIGNED)
    try:
        # relaxed headers and body: a relay's re-folding of a header or trailing blanks do not break it
        signature = signer.sign(config["DKIM_SELECTOR"].encode(), signing_domain().encode(), _private_key(),
                                canonicalize=(b"relaxed", b"relaxed"))
    except dkim.DKIMException as error:
        raise SigningError(f"DKIM signing failed: {error}") from None
    return signature + raw
