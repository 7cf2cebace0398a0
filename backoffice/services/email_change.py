"""Changing the sign-in address (FAQ §07): confirmed by a link sent to the new address.

The old address is told at once; nothing changes until the link is opened. The unique index on
customers.email decides a race: if another account took the address meanwhile (or confirms it at the same
moment), this confirmation is refused and nothing is written.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import Customer, CustomerStatus, TokenPurpose
from backoffice.security import Actor, verify_password
from backoffice.services import ServiceError, tokens
from backoffice.services.audit import record
from backoffice.services.emails import normalise_email

TAKEN = "This address is now used by another account, so your address was not changed."


def request_change(customer: Customer, new_email: str, password: str, actor: Actor) -> None:
    address = normalise_email(new_email, "new_email")
    if not verify_password(customer.password_hash, password):
        raise ServiceError("This is not your current password.", "password")
    if address == customer.email:
        raise ServiceError("This is already your address.", "new_email")
    record(actor, "customer.email_change_requested", customer, after={"new_email": address})
    queue_mail(customer.email, "A change of your sign-in address was requested", "email_change_notice",
               customer=customer, new_email=address)
    if db.session.scalar(select(Customer.id).where(Customer.email == address)):
        # the same answer to the customer; the holder of that address learns someone tried
        tokens.revoke(customer, TokenPurpose.EMAIL_CHANGE)
        queue_mail(address, "Someone tried to use your address", "email_change_taken", new_email=address)
    else:
        customer.pending_email = address
        raw = tokens.issue(customer, TokenPurpose.EMAIL_CHANGE, payload=address)
        queue_mail(address, "Confirm your new sign-in address", "email_change_confirm", customer=customer,
                   token=raw, new_email=address)
    db.session.commit()


def confirm_change(raw_token: str, actor: Actor) -> Customer:
    token = tokens.spend(raw_token, TokenPurpose.EMAIL_CHANGE)
    customer = db.session.get(Customer, token.customer_id)
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        db.session.rollback()
        raise ServiceError(tokens.INVALID_LINK)
    old, new = customer.email, token.payload
    customer.email = new
    customer.pending_email = None
    record(actor, "customer.email_changed", customer, before={"email": old}, after={"email": new})
    queue_mail(old, "Your sign-in address was changed", "email_changed", customer=customer, old_email=old,
               new_email=new)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        _record_refusal(token.customer_id, new, actor)
        raise ServiceError(TAKEN) from None
    return customer


def _record_refusal(customer_id: int, address: str, actor: Actor) -> None:
    """In its own transaction: the link is spent and the refusal is on the record."""
    customer = db.session.get(Customer, customer_id)
    tokens.revoke(customer, TokenPurpose.EMAIL_CHANGE)
    customer.pending_email = None
    record(actor, "customer.email_change_refused", customer, after={"new_email": address, "reason": "taken"})
    db.session.commit()
