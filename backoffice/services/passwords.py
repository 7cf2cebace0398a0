"""Customer password rules (length, not a common password, not the e-mail's name) and password changes.

No composition rules: length and a deny-list of passwords people really use do more, and annoy less.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from flask import current_app

from backoffice.extensions import db
from backoffice.jobs.kinds import Claim, job_kind
from backoffice.mail import queue_mail
from backoffice.models import Customer, CustomerStatus, TokenPurpose
from backoffice.models.accounts import new_session_epoch
from backoffice.security import Actor, hash_password, verify_password
from backoffice.services import ServiceError, account_links, tokens
from backoffice.services.audit import record
from backoffice.services.emails import local_part


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (backoffice/data/common-passwords.txt, made by tools/make_common_passwords.py)."""
    text = files("backoffice").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def check_new_password(password: str, email: str, field: str = "password") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ServiceError(f"Use at least {minimum} characters.", field)
    lowered = password.lower()
    if lowered in common_passwords():
        raise ServiceError("This password is one of the most common ones; choose one that is yours alone.", field)
    name = local_part(email).lower()
    if len(name) >= 3 and name in lowered:
        raise ServiceError("The password must not contain the name part of your e-mail address.", field)


def change_password(customer: Customer, current: str, new: str, actor: Actor) -> Customer:
    """FAQ §08: the current password proves who asks; every other session is signed out; a notice is mailed."""
    if not verify_password(customer.password_hash, current):
        raise ServiceError("This is not your current password.", "current_password")
    check_new_password(new, customer.email)
    _set_password(customer, new)
    record(actor, "customer.password_changed", customer)
    queue_mail(customer.email, "Your password was changed", "password_changed", customer=customer)
    db.session.commit()
    return customer


RESET_JOB = "accounts.password_reset"


def request_reset(email: str, actor: Actor) -> None:
    """FAQ §05: mail a single-use reset link, through a job the same for every address (account_links)."""
    account_links.ask_for_link(email, actor, RESET_JOB, "customer.password_reset_requested")


@job_kind(RESET_JOB, max_attempts_key="MAIL_MAX_ATTEMPTS", retry_base_key="MAIL_RETRY_BASE_SECONDS",
          lease_key="MAIL_CLAIM_SECONDS")
def mail_reset_link(claim: Claim, _context) -> None:
    """The job behind request_reset: a link for an active or pending account, nothing for any other address."""
    account_links.mail_link(claim.payload.get("email"), (CustomerStatus.ACTIVE, CustomerStatus.PENDING),
                            TokenPurpose.PASSWORD_RESET, "Reset your password", "password_reset",
                            "PASSWORD_RESET_TOKEN_HOURS")


def reset_password(raw_token: str, new: str, actor: Actor) -> Customer:
    """Set a new password from a reset link: the link is spent, every session is signed out, a notice goes out."""
    token = tokens.find_valid(raw_token, TokenPurpose.PASSWORD_RESET)
    customer = db.session.get(Customer, token.customer_id)
    check_new_password(new, customer.email)
    tokens.spend(raw_token, TokenPurpose.PASSWORD_RESET)
    _set_password(customer, new)
    customer.failed_logins = 0
    record(actor, "customer.password_reset", customer)
    queue_mail(customer.email, "Your password was reset", "password_changed", customer=customer, reset=True)
    db.session.commit()
    return customer


def _set_password(customer: Customer, new: str) -> None:
    customer.password_hash = hash_password(new)
    customer.session_epoch = new_session_epoch()  # signs out every session, remember-me cookies included
    tokens.revoke(customer, TokenPurpose.PASSWORD_RESET)  # an older reset link must not undo this password
