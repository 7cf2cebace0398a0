"""Registration and activation (FAQ §04), and the purge of accounts never activated.

The answer to a registration never says whether the address was known, and neither does its time: the request
checks what was typed, hashes the password and queues a job, the same work for every address (as account_links
does for resets and claims). The job decides: a new pending account and its activation link, a "someone tried to
register with your address" notice for an existing one, a new link for a still pending one, a claim link for a
Personal Cabinet account.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.jobs.kinds import Claim, job_kind
from backoffice.mail import queue_mail
from backoffice.models import Customer, CustomerStatus, Job, TokenPurpose
from backoffice.security import Actor, hash_password, verify_password
from backoffice.services import ServiceError, tokens
from backoffice.services.audit import record
from backoffice.services.emails import normalise_email
from backoffice.services.mail_quota import queue_account_mail
from backoffice.services.passwords import check_new_password
from backoffice.services.profile import clean_profile

log = logging.getLogger("backoffice.registration")


REGISTER_JOB = "accounts.registration"


def register(email: str, password: str, terms_accepted: bool, actor: Actor) -> None:
    """Check what was typed and queue the job that answers (see the module docstring)."""
    address = normalise_email(email)
    check_new_password(password, address)
    if not terms_accepted:
        raise ServiceError("Accept the terms of use to create an account.", "terms")
    enqueue(REGISTER_JOB, {"email": address, "password_hash": hash_password(password),
                           "asked_at": utcnow().isoformat(), "ip": actor.ip})
    db.session.commit()


@job_kind(REGISTER_JOB, max_attempts_key="MAIL_MAX_ATTEMPTS", retry_base_key="MAIL_RETRY_BASE_SECONDS",
          lease_key="MAIL_CLAIM_SECONDS")
def answer_registration(claim: Claim, _context) -> None:
    """The job behind register. A parallel registration of the same address makes the insert fail: the retry
    then finds the account and answers it as known."""
    address, asked_at = claim.payload["email"], datetime.fromisoformat(claim.payload["asked_at"])
    actor = Actor("anonymous", label=address, ip=claim.payload.get("ip"))
    _forget_password_hash(claim)
    existing = db.session.scalar(select(Customer).where(Customer.email == address))
    if existing is not None:
        _answer_known_address(existing, actor)
        return
    customer = Customer(email=address, password_hash=claim.payload["password_hash"], status=CustomerStatus.PENDING,
                        created_at=asked_at, terms_accepted_at=asked_at)
    db.session.add(customer)
    db.session.flush()
    record(actor, "customer.registered", customer, label=address)
    _mail_activation(customer, send=queue_account_mail)


def _forget_password_hash(claim: Claim) -> None:
    """The hash is the account's once the job is done; the queue keeps no copy (this commits with the job)."""
    payload = {key: value for key, value in claim.payload.items() if key != "password_hash"}
    db.session.execute(update(Job).where(Job.id == claim.job_id).values(payload=payload))


def _answer_known_address(customer: Customer, actor: Actor) -> None:
    record(actor, "customer.registration_repeated", customer, label=actor.label or customer.email,
           after={"status": customer.status})
    if customer.status == CustomerStatus.PENDING:
        _mail_activation(customer, again=True, send=queue_account_mail)
    elif customer.status == CustomerStatus.LEGACY:
        raw = tokens.issue(customer, TokenPurpose.LEGACY_CLAIM)
        queue_account_mail(customer.email, "Claim your account", "legacy_claim", customer=customer, token=raw,
                           hours=current_app.config["LEGACY_CLAIM_TOKEN_HOURS"])
    else:
        queue_account_mail(customer.email, "Someone tried to register with your address", "registration_attempt",
                           customer=customer)


def _mail_activation(customer: Customer, again: bool = False, send=queue_mail) -> None:
    """The activation link; `send` is queue_account_mail where a stranger's form asked for it (capped per
    address), queue_mail where staff did."""
    raw = tokens.issue(customer, TokenPurpose.ACTIVATION)
    send(customer.email, "Activate your account", "activation", customer=customer, token=raw, again=again,
         days=current_app.config["ACTIVATION_TOKEN_HOURS"] // 24)


def resend_activation(customer: Customer, actor: Actor) -> None:
    """A staff action: a new activation link for a pending account (the old one stops working)."""
    if customer.status != CustomerStatus.PENDING:
        raise ServiceError("Only a pending account can be sent an activation link.")
    _mail_activation(customer, again=True)
    record(actor, "customer.activation_resent", customer)
    db.session.commit()


def pending_customer_for(raw_token: str) -> Customer:
    """The pending account an activation link belongs to (the link is not spent)."""
    return tokens.customer_for(raw_token, TokenPurpose.ACTIVATION, CustomerStatus.PENDING)


def activate(raw_token: str, profile: dict, password: str, actor: Actor) -> Customer:
    """Spend the activation link, save the §04 profile and activate, once the registration password matches."""
    customer = pending_customer_for(raw_token)
    values = clean_profile(profile)
    if not verify_password(customer.password_hash, password):
        raise ServiceError("This is not the password you chose when you registered.", "password")
    tokens.spend(raw_token, TokenPurpose.ACTIVATION)
    for name, value in values.items():
        setattr(customer, name, value)
    customer.status = CustomerStatus.ACTIVE
    customer.activated_at = utcnow()
    record(actor, "customer.activated", customer, label=customer.email, after=values)
    db.session.commit()
    return customer


def purge_unactivated(actor: Actor) -> int:
    """Delete accounts still pending after the activation period (FAQ §04). One DELETE: safe to run anywhere,
    any number of times, on several machines at once; each row goes exactly once."""
    cutoff = utcnow() - timedelta(hours=current_app.config["ACTIVATION_TOKEN_HOURS"])
    result = db.session.execute(
        delete(Customer)
        .where(Customer.status == CustomerStatus.PENDING, Customer.created_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount or 0
    if count:
        record(actor, "customer.purged_unactivated", None, object_type="customers",
               after={"count": count, "registered_before": cutoff.isoformat()})
    db.session.commit()
    log.info("purged %d account(s) not activated within %d hours", count,
             current_app.config["ACTIVATION_TOKEN_HOURS"])
    return count
