"""Links mailed to an address a stranger types (a password reset, an imported account's claim): the request only
records the ask and queues a job, the same work for every address, so neither the answer nor its time tells
whether the address has an account; the job looks the address up and mails a link only where one belongs."""

from __future__ import annotations

from collections.abc import Collection

from flask import current_app
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.models import Customer, TokenPurpose
from backoffice.security import Actor
from backoffice.services import ServiceError, tokens
from backoffice.services.audit import record
from backoffice.services.emails import normalise_email
from backoffice.services.mail_quota import queue_account_mail


def ask_for_link(email: str, actor: Actor, job: str, action: str) -> None:
    """Record the request and queue the job that decides; a malformed address is answered the same, silently."""
    try:
        address = normalise_email(email)
    except ServiceError:
        return
    record(actor, action, None, object_type="customers", after={"email": address})
    enqueue(job, {"email": address})
    db.session.commit()


def mail_link(email: str | None, statuses: Collection[str], purpose: TokenPurpose, subject: str, template: str,
              hours_key: str) -> None:
    """In the job: a fresh single-use link for an account in one of `statuses`, nothing for any other address."""
    customer = db.session.scalar(select(Customer).where(Customer.email == email))
    if customer is None or customer.status not in statuses:
        return
    raw = tokens.issue(customer, purpose)
    queue_account_mail(customer.email, subject, template, customer=customer, token=raw,
                       hours=current_app.config[hours_key])
