"""DKIM: with a selector and a key configured, the worker signs each message over the bytes it sends, and the
signature received by a real SMTP server verifies (dkimpy) against the public key a DNS lookup would give."""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import OutboxMessage, OutboxStatus
from tests.support.helpers import make_ticket

SELECTOR = "bo2026"
DOMAIN = "example.com"  # MAIL_FROM's domain: the default signing domain


@pytest.fixture
def dkim_key(app_config, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    app_config.update({"DKIM_SELECTOR": SELECTOR, "DKIM_PRIVATE_KEY_PATH": str(path)})
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {f"{SELECTOR}._domainkey.{DOMAIN}.": b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)}


def _dns(records):
    def lookup(name, timeout=5):
        return records.get(name.decode() if isinstance(name, bytes) else name)
    return lookup


def test_a_signed_ticket_mail_verifies_and_a_changed_one_does_not(dkim_key, smtp, app, make):
    ticket = make_ticket(make.customer())
    deliver_due()

    [raw] = smtp.raw
    [email] = smtp.messages
    signature = email["DKIM-Signature"]
    assert f"d={DOMAIN}" in signature and f"s={SELECTOR}" in signature
    signed = {name.strip().lower() for name in signature.split("h=", 1)[1].split(";", 1)[0].split(":")}
    assert {"from", "to", "subject", "date", "message-id", "reply-to", "auto-submitted"} <= signed
    assert dkim.verify(raw, dnsfunc=_dns(dkim_key))
    assert ticket.number in email["Subject"]

    tampered = raw.replace(ticket.number.encode(), b"TS-1999-000001")
    assert not dkim.verify(tampered, dnsfunc=_dns(dkim_key))
    assert not dkim.verify(raw, dnsfunc=_dns({}))  # no published key: nothing vouches for it


def test_without_dkim_settings_nothing_is_signed(smtp, app, make):
    make_ticket(make.customer())
    deliver_due()
    [email] = smtp.messages
    assert email["DKIM-Signature"] is None


def test_a_missing_key_keeps_the_mail_queued_with_the_reason(app_config, smtp, app, make, tmp_path):
    app.config.update({"DKIM_SELECTOR": SELECTOR, "DKIM_PRIVATE_KEY_PATH": str(tmp_path / "absent.pem")})
    make_ticket(make.customer())

    deliver_due()

    assert smtp.messages == []  # never sent unsigned behind the operator's back
    db.session.expire_all()
    [row] = db.session.scalars(select(OutboxMessage))
    assert row.status == OutboxStatus.QUEUED and "DKIM key" in row.last_error and "absent.pem" in row.last_error
