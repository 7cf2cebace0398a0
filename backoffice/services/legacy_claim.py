"""Claiming an imported Personal Cabinet account (FAQ §02): a mailed link that sets a new password."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.jobs.kinds import Claim, job_kind
from backoffice.models import Customer, CustomerStatus, TokenPurpose
from backoffice.security import Actor, hash_password
from backoffice.services import ServiceError, tokens
from backoffice.services.audit import record
from backoffice.services.emails import normalise_email
from backoffice.services.mail_quota import queue_account_mail
from backoffice.services.passwords import check_new_password

CLAIM_JOB = "accounts.legacy_claim"


def request_claim(email: str, actor: Actor) -> None:
    """Mail a claim link to an imported account. The request only queues a job, the same for every address, so
    the answer and its time reveal nothing; the job mails imported accounts and nobody else."""
    try:
        address = normalise_email(email)
    except ServiceError:
        return
    record(actor, "customer.claim_requested", None, object_type="customers", after={"email": address})
    enqueue(CLAIM_JOB, {"email": address})
    db.session.commit()


@job_kind(CLAIM_JOB, max_attempts_key="MAIL_MAX_ATTEMPTS", retry_base_key="MAIL_RETRY_BASE_SECONDS",
          lease_key="MAIL_CLAIM_SECONDS")
def mail_claim_link(claim: Claim, _context) -> None:
    customer = db.session.scalar(select(Customer).where(Customer.email == claim.payload.get("email")))
    if customer is None or customer.status != CustomerStatus.LEGACY:
        return
    raw = tokens.issue(customer, TokenPurpose.LEGACY_CLAIM)
    queue_account_mail(customer.email, "Claim your account", "legacy_claim", customer=customer, token=raw,
                       hours=current_app.config["LEGACY_CLAIM_TOKEN_HOURS"])


def legacy_customer_for(raw_token: str) -> Customer:
    return tokens.customer_for(raw_token, TokenPurpose.LEGACY_CLAIM, CustomerStatus.LEGACY)


def complete_claim(raw_token: str, password: str, actor: Actor) -> Customer:
    customer = legacy_customer_for(raw_token)
    check_new_password(password, customer.email)
    tokens.spend(raw_token, TokenPurpose.LEGACY_CLAIM)
    customer.password_hash = hash_password(password)
    customer.status = CustomerStatus.ACTIVE
    customer.activated_at = utcnow()
    record(actor, "customer.claimed", customer, label=customer.email)
    db.session.commit()
    return customer
