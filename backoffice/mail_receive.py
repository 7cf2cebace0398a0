"""`backoffice mail-receive`: an SMTP or LMTP server (aiosmtpd) that the organisation's MTA delivers support mail
to. Each message goes to the intake's `receive`, which stores and records it before the client hears "250": a
message the server answered 250 for is never lost, and one it could not store gets a 451 (the MTA tries again).

Recipients outside our mail domains are refused at RCPT (550), and a message over MAIL_INTAKE_MAX_BYTES at DATA
(552): refusing in the session leaves any bounce to the sending server, so we never mail a stranger back.
"""

from __future__ import annotations

import asyncio
import logging
from email.utils import parseaddr

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from flask import Flask

from backoffice.models.inbound_mail import InboundSource
from backoffice.services.mail_intake.receive import MessageTooLarge, receive
from backoffice.services.support.reply_address import mail_domain

log = logging.getLogger("backoffice.mail_receive")


def accepted_domains(app: Flask) -> set[str]:
    """The domains whose mail we take: the reply address's, MAIL_FROM's, MAIL_DOMAIN and the mapped queues'."""
    config = app.config
    addresses = [config.get("MAIL_REPLY_ADDRESS") or "", parseaddr(config["MAIL_FROM"])[1],
                 *config["MAIL_INTAKE_QUEUES"]]
    domains = {address.rpartition("@")[2].lower() for address in addresses if "@" in address}
    with app.app_context():
        domains.add(mail_domain().lower())
    return domains


class IntakeHandler:
    def __init__(self, app: Flask, source: str):
        self.app = app
        self.source = source
        self.domains = accepted_domains(app)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.rpartition("@")[2].lower() not in self.domains:
            return "550 5.1.1 Not a mailbox of this server"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        try:
            received = await asyncio.get_running_loop().run_in_executor(None, self._receive, raw,
                                                                         list(envelope.rcpt_tos))
            status = f"250 2.0.0 Stored as {received.inbound_id}"
        except MessageTooLarge as error:
            status = f"552 5.3.4 Message larger than {error.limit} bytes"
        except Exception:  # the database or the store is out of reach: the sending MTA keeps it and retries
            log.exception("could not store an incoming message")
            status = "451 4.3.0 Could not store the message now; try again later"
        if self.source == InboundSource.LMTP:  # LMTP answers DATA once per recipient
            return "\r\n".join([status] * max(len(envelope.rcpt_tos), 1))
        return status

    def _receive(self, raw: bytes, recipients: list[str]):
        with self.app.app_context():
            return receive(raw, self.source, recipients)


class _IntakeController(Controller):
    def __init__(self, handler: IntakeHandler, lmtp: bool, **kwargs):
        self.lmtp = lmtp
        super().__init__(handler, **kwargs)

    def factory(self):
        return (LMTP if self.lmtp else SMTP)(self.handler, **self.SMTP_kwargs)


def make_controller(app: Flask, host: str, port: int, protocol: str) -> Controller:
    """The server, not yet started (`.start()` runs it on its own thread, `.stop()` ends it)."""
    source = InboundSource.LMTP if protocol == "lmtp" else InboundSource.SMTP
    return _IntakeController(IntakeHandler(app, source), lmtp=source == InboundSource.LMTP, hostname=host,
                             port=port, data_size_limit=app.config["MAIL_INTAKE_MAX_BYTES"],
                             ident="Support mail intake")
