"""The customer's own data: a JSON copy of it, and closing the account (erasing it), confirmed by password."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import AuditEvent, Course, Customer, Enrollment, LegacyCode
from backoffice.security import Actor, verify_password
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.licensing.codes import customer_codes, remove_code

ACCOUNT_FIELDS = ["email", "status", "created_at", "terms_accepted_at", "activated_at", "last_login_at",
                  "pending_email", "news_subscribed"]
PROFILE_FIELDS = ["name", "country", "city", "address", "phone", "company", "company_address",
                  "company_admin_email"]
EVENTS_EXPORTED = 1000


def export_data(customer: Customer, actor: Actor) -> dict:
    """Everything stored about the customer in a form a person (or another service) can read."""
    courses = db.session.execute(
        select(Course.title, Enrollment.enrolled_at).join(Enrollment.course)
        .where(Enrollment.customer_id == customer.id).order_by(Enrollment.enrolled_at)).all()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "customers", AuditEvent.object_id == str(customer.id))
        .order_by(AuditEvent.id.desc()).limit(EVENTS_EXPORTED)).all()
    data = {
        "exported_at": _iso(utcnow()),
        "account": {name: _iso(getattr(customer, name)) for name in ACCOUNT_FIELDS},
        "profile": {name: getattr(customer, name) for name in PROFILE_FIELDS},
        "activation_codes": [{"code": held.code, "product": held.product, "added_at": _iso(held.added_at),
                              "expires_at": _iso(held.expires_at), "state": held.state}
                             for held in customer_codes(customer.id)],
        "personal_cabinet_codes": list(db.session.scalars(
            select(LegacyCode.code).where(LegacyCode.customer_id == customer.id).order_by(LegacyCode.code))),
        "courses": [{"title": title, "chosen_at": _iso(at)} for title, at in courses],
        "security_events": [{"at": _iso(e.created_at), "action": e.action, "ip": e.ip} for e in events],
    }
    record(actor, "customer.data_exported", customer)
    db.session.commit()
    return data


def close_account(customer: Customer, password: str, actor: Actor) -> str:
    """Erase the account and what hangs on it; activation codes are given up first so their seats free up."""
    if not verify_password(customer.password_hash, password):
        raise ServiceError("This is not your password.", "password")
    email, customer_id = customer.email, customer.id
    for held in customer_codes(customer_id):
        remove_code(customer, held.registration_id, actor)
    record(actor, "customer.closed", None, object_type="customers", object_id=customer_id,
           before={"email": email})
    queue_mail(email, "Your account was closed", "account_closed", customer=None, email=email)
    db.session.delete(customer)
    db.session.commit()
    return email


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
