"""Closing an account (GDPR art. 17), confirmed by password: seats given back, requests anonymised or deleted
(account_erasure), data downloads removed, the account erased. The data download itself is privacy_export."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import Customer, DataExport
from backoffice.security import Actor, verify_password
from backoffice.services import ServiceError
from backoffice.services.account_erasure import erase_requests
from backoffice.services.audit import record
from backoffice.services.licensing.codes import customer_codes, remove_code
from backoffice.services.privacy_export import delete_zip


def close_account(customer: Customer, password: str, actor: Actor) -> str:
    """Erase the account. Activation codes are given up first, each through the codes page's own removal, so
    their seats count as free again; then the tickets and lab requests are anonymised (or deleted, as
    configured), and the account row goes with what hangs on it by cascade."""
    if not verify_password(customer.password_hash, password):
        raise ServiceError("This is not your password.", "password")
    email, customer_id = customer.email, customer.id
    for held in customer_codes(customer_id):
        remove_code(customer, held.registration_id, actor)
    zips = list(db.session.scalars(select(DataExport.sha256).where(DataExport.customer_id == customer_id,
                                                                   DataExport.sha256.is_not(None))))
    erased = erase_requests(customer)
    record(actor, "customer.closed", None, object_type="customers", object_id=customer_id,
           before={"email": email},
           after={"requests": erased.mode, "tickets": erased.tickets, "lab_requests": erased.lab_requests})
    queue_mail(email, "Your account was closed", "account_closed", customer=None, email=email,
               requests=erased.mode)
    db.session.delete(customer)
    db.session.commit()
    for sha256 in zips:  # after the commit: a failed close keeps its downloads
        delete_zip(sha256)
    return email
