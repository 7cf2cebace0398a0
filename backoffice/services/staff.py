"""Staff accounts: sign-in with lockout, and the admin's writes on staff users."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import StaffRole, StaffUser
from backoffice.models.accounts import new_session_epoch
from backoffice.security import Actor, hash_password, password_needs_rehash, verify_password
from backoffice.services import ServiceError
from backoffice.services.audit import changes, record
from backoffice.services.emails import normalise_email

GENERIC_LOGIN_ERROR = "Invalid e-mail or password."


def authenticate(email: str, password: str, actor: Actor) -> StaffUser:
    """The staff user for these credentials, or ServiceError with one generic message whatever went wrong."""
    try:
        address = normalise_email(email)
    except ServiceError:
        address = None
    staff = db.session.scalar(select(StaffUser).where(StaffUser.email == address)) if address else None
    password_ok = verify_password(staff.password_hash if staff else None, password)
    if staff is None or not password_ok or not staff.is_active:
        _record_failed_login(staff, address, actor)
        db.session.commit()
        raise ServiceError(GENERIC_LOGIN_ERROR)
    staff.failed_logins = 0
    staff.last_login_at = utcnow()
    if password_needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    record(actor, "staff.login", staff, label=staff.email)
    db.session.commit()
    return staff


def _record_failed_login(staff: StaffUser | None, address: str | None, actor: Actor) -> None:
    record(actor, "staff.login_failed", staff, object_type="staff_users", after={"email": address})
    if staff is None or not staff.is_active:
        return
    # Counted by the database, not in Python: concurrent failures on several app servers all count,
    # and exactly one of them locks the account (and mails the notice).
    failures = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == staff.id, StaffUser.is_active.is_(True))
        .values(failed_logins=StaffUser.failed_logins + 1)
        .returning(StaffUser.failed_logins),
        execution_options={"synchronize_session": False},
    ).scalar()
    if failures is None or failures < current_app.config["STAFF_LOCKOUT_FAILURES"]:
        db.session.refresh(staff)
        return
    locked = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == staff.id, StaffUser.is_active.is_(True))
        .values(is_active=False, session_epoch=new_session_epoch()),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.refresh(staff)
    if locked:
        record(actor, "staff.locked_out", staff, after={"failed_logins": failures})
        queue_mail(staff.email, "Your console account has been locked", "staff_locked",
                   name=staff.name, failures=failures, ip=actor.ip)


def record_logout(staff: StaffUser, actor: Actor) -> None:
    record(actor, "staff.logout", staff)
    db.session.commit()


def validate_new_password(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ServiceError(f"Use at least {minimum} characters.", "password")


def staff_email_taken(email: str) -> bool:
    address = normalise_email(email)
    return db.session.scalar(select(StaffUser.id).where(StaffUser.email == address)) is not None


def create_staff(email: str, name: str, role: str, password: str, actor: Actor) -> StaffUser:
    address = normalise_email(email)
    if role not in set(StaffRole):
        raise ServiceError(f"Role must be one of: {', '.join(StaffRole)}.", "role")
    if not name.strip():
        raise ServiceError("Enter the person's name.", "name")
    validate_new_password(password)
    if db.session.scalar(select(StaffUser.id).where(StaffUser.email == address)):
        raise ServiceError("A staff user with this e-mail already exists.", "email")
    staff = StaffUser(email=address, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(staff)
    try:
        db.session.flush()
    except IntegrityError:  # created by someone else since the check above
        db.session.rollback()
        raise ServiceError("A staff user with this e-mail already exists.", "email") from None
    record(actor, "staff.created", staff, after={"email": address, "name": staff.name, "role": role})
    db.session.commit()
    return staff


def update_staff(staff: StaffUser, values: dict, actor: Actor, new_password: str | None = None) -> StaffUser:
    """Change name, role or active state, and optionally the password, in one transaction.

    A deactivated or re-roled account, or one with a new password, loses its sessions.
    """
    if "role" in values and values["role"] not in set(StaffRole):
        raise ServiceError(f"Role must be one of: {', '.join(StaffRole)}.", "role")
    if "name" in values:
        values = {**values, "name": (values["name"] or "").strip()}
        if not values["name"]:
            raise ServiceError("Enter the person's name.", "name")
    if actor.kind == "staff" and actor.id == staff.id and (
        values.get("role", staff.role) != staff.role or values.get("is_active", True) is False
    ):
        raise ServiceError("You cannot change your own role or deactivate yourself.")
    if new_password:
        validate_new_password(new_password)
    before, after = changes(staff, ["name", "role", "is_active"], values)
    if not after and not new_password:
        return staff
    for name, value in after.items():
        setattr(staff, name, value)
    if "role" in after or after.get("is_active") is False:
        staff.session_epoch = new_session_epoch()
    if after.get("is_active") is True:
        staff.failed_logins = 0
    if after:
        record(actor, "staff.updated", staff, before=before, after=after)
    if new_password:
        _set_password(staff, new_password, actor)
    db.session.commit()
    return staff


def set_staff_password(staff: StaffUser, password: str, actor: Actor) -> None:
    validate_new_password(password)
    _set_password(staff, password, actor)
    db.session.commit()


def _set_password(staff: StaffUser, password: str, actor: Actor) -> None:
    staff.password_hash = hash_password(password)
    staff.session_epoch = new_session_epoch()  # every session of the account ends
    staff.failed_logins = 0
    record(actor, "staff.password_set", staff)
