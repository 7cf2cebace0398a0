"""Staff actions on a customer's access (console): lock, unlock, force a password reset; and the
customer's security events as the audit trail holds them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import AuditEvent, Customer, CustomerStatus, TokenPurpose
from backoffice.models.accounts import new_session_epoch
from backoffice.security import Actor
from backoffice.services import ServiceError, tokens
from backoffice.services.audit import record

EVENTS_SHOWN = 50


def lock(customer: Customer, actor: Actor) -> Customer:
    if customer.status != CustomerStatus.ACTIVE:
        raise ServiceError("Only an active account can be locked.")
    customer.status = CustomerStatus.LOCKED
    customer.session_epoch = new_session_epoch()  # signed out everywhere at once
    record(actor, "customer.locked", customer, before={"status": "active"}, after={"status": "locked"})
    db.session.commit()
    return customer


def unlock(customer: Customer, actor: Actor) -> Customer:
    if customer.status != CustomerStatus.LOCKED:
        raise ServiceError("Only a locked account can be unlocked.")
    customer.status = CustomerStatus.ACTIVE
    customer.failed_logins = 0
    record(actor, "customer.unlocked", customer, before={"status": "locked"}, after={"status": "active"})
    db.session.commit()
    return customer


def force_password_reset(customer: Customer, actor: Actor) -> Customer:
    """The current password stops working and every session ends; the customer gets a link to choose a new one."""
    if customer.status not in (CustomerStatus.ACTIVE, CustomerStatus.LOCKED):
        raise ServiceError("Only an active or locked account has a password to reset.")
    customer.password_hash = None
    customer.session_epoch = new_session_epoch()
    raw = tokens.issue(customer, TokenPurpose.PASSWORD_RESET)
    record(actor, "customer.password_reset_forced", customer)
    queue_mail(customer.email, "Choose a new password", "password_reset", customer=customer, token=raw,
               hours=current_app.config["PASSWORD_RESET_TOKEN_HOURS"], forced=True)
    db.session.commit()
    return customer


def security_events(customer_id: int, limit: int = EVENTS_SHOWN) -> list[AuditEvent]:
    """The newest audit events about this customer (sign-ins, failures, changes, staff actions)."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "customers", AuditEvent.object_id == str(customer_id))
        .order_by(AuditEvent.id.desc()).limit(limit)))
