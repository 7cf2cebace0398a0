"""Identities: customers of the portal, staff of the console, and the one-time tokens they receive."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class CustomerStatus(StrEnum):
    PENDING = "pending"  # registered, activation link not yet opened
    ACTIVE = "active"
    LOCKED = "locked"  # locked by staff or by the security rules
    LEGACY = "legacy"  # imported from Personal Cabinet, not yet claimed


class StaffRole(StrEnum):
    ADMIN = "admin"
    SUPPORT = "support"
    ANALYST = "analyst"


class TokenPurpose(StrEnum):
    ACTIVATION = "activation"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE = "email_change"
    LEGACY_CLAIM = "legacy_claim"


def new_session_epoch() -> str:
    """A value baked into every login cookie; changing it signs out every session of the account."""
    return secrets.token_hex(8)


class Customer(db.Model):
    __tablename__ = "customers"
    __table_args__ = (
        # E-mail is stored lower-cased so that a plain unique index is the case-insensitive one.
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint(check_in("status", CustomerStatus), name="status"),
        Index("ix_customers_status_id", "status", "id"),
        Index("ix_customers_country_id", "country", "id"),
        # "locked customers in one country": both filters together, newest first, and a cheap capped count
        Index("ix_customers_status_country_id", "status", "country", "id"),
        Index("ix_customers_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=CustomerStatus.PENDING)
    session_epoch: Mapped[str] = mapped_column(String(32), default=new_session_epoch)
    failed_logins: Mapped[int] = mapped_column(default=0)

    # Profile (FAQ §04)
    name: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    city: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164
    company: Mapped[str | None] = mapped_column(String(160))
    company_address: Mapped[str | None] = mapped_column(String(255))
    company_admin_email: Mapped[str | None] = mapped_column(String(254))

    news_subscribed: Mapped[bool] = mapped_column(default=False)
    pending_email: Mapped[str | None] = mapped_column(String(254))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return self.email


class StaffUser(db.Model):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower"),
        CheckConstraint(check_in("role", StaffRole), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    session_epoch: Mapped[str] = mapped_column(String(32), default=new_session_epoch)
    failed_logins: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # an IANA name (Europe/Berlin); the console shows every time in it (console/times.py)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class OneTimeToken(db.Model):
    """A single-use secret mailed to someone. Only its SHA-256 is stored."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (
        CheckConstraint(check_in("purpose", TokenPurpose), name="purpose"),
        Index("ix_one_time_tokens_customer_purpose", "customer_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(24))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    payload: Mapped[str | None] = mapped_column(Text)  # e.g. the new address of an e-mail change
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
