"""Reading what the portal mailed: deliver the outbox to the real SMTP sink and pull links out of messages."""

from __future__ import annotations

import re
from email.message import EmailMessage

from backoffice.jobs.worker import run_due
from backoffice.mail import deliver_due
from backoffice.services.legacy_claim import CLAIM_JOB
from backoffice.services.passwords import RESET_JOB
from backoffice.services.registration import REGISTER_JOB
from tests.smtp import SmtpSink

PUBLIC_URL = "http://portal.example.com"


def deliver(smtp: SmtpSink) -> list[EmailMessage]:
    """Run the jobs that decide account mail (registration, reset and claim links), then send what is queued."""
    while run_due(kind_names=[REGISTER_JOB, RESET_JOB, CLAIM_JOB]).attempted:
        pass
    before = len(smtp.messages)
    report = deliver_due()
    return smtp.wait_for(before + len(report.done))[before:]


def only_message_to(messages: list[EmailMessage], address: str) -> EmailMessage:
    found = [m for m in messages if m["To"] == address]
    assert len(found) == 1, f"expected one message to {address}, got {[(m['To'], m['Subject']) for m in messages]}"
    return found[0]


def link_in(message: EmailMessage, path_prefix: str) -> str:
    """The site-relative path of the first link in the message's text that starts with `path_prefix`."""
    text = SmtpSink.text_of(message)
    match = re.search(re.escape(PUBLIC_URL + path_prefix) + r"[A-Za-z0-9_\-]+", text)
    assert match, f"no {path_prefix} link in:\n{text}"
    return match.group(0)[len(PUBLIC_URL):]
