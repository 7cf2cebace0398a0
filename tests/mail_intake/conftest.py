"""Fixtures for the incoming half of the e-mail channel: hand raw mail to the intake and run its jobs."""

from __future__ import annotations

import pytest

from backoffice.extensions import db
from backoffice.jobs.worker import run_due
from backoffice.models.inbound_mail import InboundMessage
from backoffice.services.mail_intake.receive import INTAKE, receive
from tests.mail_intake import messages


class Intake:
    def deliver(self, mail, source: str = "smtp", recipients=()) -> InboundMessage:
        """Store the message as a channel would, then run its intake job as the worker would."""
        raw = messages.wire(mail)
        received = receive(raw, source, recipients)
        self.run()
        db.session.expire_all()
        return db.session.get(InboundMessage, received.inbound_id)

    @staticmethod
    def run():
        return run_due(50, [INTAKE])


@pytest.fixture
def intake(app) -> Intake:
    return Intake()
