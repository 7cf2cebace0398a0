"""Claiming an imported Personal Cabinet account (FAQ §02): a mailed link that sets a new password."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs.kinds import Claim, job_kind
from backoffice.models import Customer, CustomerStatus, TokenPurpose
from backoffice.security import Actor, hash_password
from backoffice.services import account_links, tokens
from backoffice.services.audit import record
from backoffice.services.legacy_codes import RefusedCode, place_legacy_codes
from backoffice.services.passwords import check_new_password

CLAIM_JOB = "accounts.legacy_claim"


def request_claim(email: str, actor: Actor) -> None:
    """Mail a claim link to an imported account, through a job the same for every address (account_links)."""
    account_links.ask_for_link(email, actor, CLAIM_JOB, "customer.claim_requested")


@job_kind(CLAIM_JOB, max_attempts_key="MAIL_MAX_ATTEMPTS", retry_base_key="MAIL_RETRY_BASE_SECONDS",
          lease_key="MAIL_CLAIM_SECONDS")
def mail_claim_link(claim: Claim, _context) -> None:
    """The job behind request_claim: a link for an imported account, nothing for any other address."""
    account_links.mail_link(claim.payload.get("email"), (CustomerStatus.LEGACY,), TokenPurpose.LEGACY_CLAIM,
                            "Claim your account", "legacy_claim", "LEGACY_CLAIM_TOKEN_HOURS")


def legacy_customer_for(raw_token: str) -> Customer:
    return tokens.customer_for(raw_token, TokenPurpose.LEGACY_CLAIM, CustomerStatus.LEGACY)


@dataclass(frozen=True)
class Claimed:
    customer: Customer
    codes_added: int  # Personal Cabinet codes now registered on the account
    codes_refused: list[RefusedCode]  # and those that could not be, with the reason


def complete_claim(raw_token: str, password: str, actor: Actor) -> Claimed:
    """Set the password, activate the account and add its Personal Cabinet codes, in one transaction: a claim
    that fails anywhere leaves the account unclaimed, its token unspent and every seat untouched."""
    customer = legacy_customer_for(raw_token)
    check_new_password(password, customer.email)
    tokens.spend(raw_token, TokenPurpose.LEGACY_CLAIM)
    customer.password_hash = hash_password(password)
    customer.status = CustomerStatus.ACTIVE
    customer.activated_at = utcnow()
    added, refused = place_legacy_codes(customer, actor)
    record(actor, "customer.claimed", customer, label=customer.email,
           after={"codes_added": added, "codes_refused": len(refused)})
    db.session.commit()
    return Claimed(customer, added, refused)
