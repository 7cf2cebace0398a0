"""Account mails a stranger can trigger, capped per address: whoever asks, from however many client addresses,
one inbox gets at most ACCOUNT_MAILS_PER_ADDRESS_HOUR of them an hour.

The count is a row per address and hour, raised by one conditional upsert (`... ON CONFLICT DO UPDATE ... WHERE
sent < cap`): of two app servers racing on the last allowed mail, exactly one gets it. Past the cap the person
asking sees the same answer, and nothing is sent. (Reset and claim links are decided by jobs, so the request itself
never looks at the address and its answer tells nothing either way.)
"""

from __future__ import annotations

import logging

from flask import current_app

from backoffice.clock import utcnow
from backoffice.database import upsert_insert
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import MailQuota

log = logging.getLogger("backoffice.mail")


def take(address: str) -> bool:
    """Count one account mail to `address` in this hour; False (nothing counted) once the hour's cap is reached."""
    window = utcnow().replace(minute=0, second=0, microsecond=0)
    cap = current_app.config["ACCOUNT_MAILS_PER_ADDRESS_HOUR"]
    statement = upsert_insert(MailQuota).values(address=address, window_start=window, sent=1)
    statement = statement.on_conflict_do_update(
        index_elements=["address", "window_start"], set_={"sent": MailQuota.sent + 1},
        where=MailQuota.sent < cap).returning(MailQuota.sent)
    granted = db.session.execute(statement).scalar() is not None  # no row back: the update's WHERE refused it
    if not granted:
        log.warning("account mail to %s not sent: %s this hour already", address, cap)
    return granted


def queue_account_mail(to: str, subject: str, template: str, **context) -> None:
    """queue_mail for the mails a stranger's form can cause, within the address's hourly cap."""
    if take(to):
        queue_mail(to, subject, template, **context)
