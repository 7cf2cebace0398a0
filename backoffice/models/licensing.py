"""Licensing: products, activation codes, who holds which code (with history) and the blacklist."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in

CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE_LENGTH = 23  # 4 blocks of 5, three hyphens


class BlacklistReason(StrEnum):
    FRAUD = "fraud"  # bought with stolen payment details
    CHARGEBACK = "chargeback"
    REFUNDED = "refunded"
    LEAKED = "leaked"  # published on the internet
    RESALE_ABUSE = "resale_abuse"  # sold on against the licence terms
    OTHER = "other"  # the note says why


class CodeState(StrEnum):
    """A code's state at a moment; computed from its dates and the blacklist, never stored."""

    VALID = "valid"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    BLACKLISTED = "blacklisted"


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.name


class ActivationCode(db.Model):
    __tablename__ = "activation_codes"
    __table_args__ = (
        # The canonical form only: 23 characters, hyphens after each block of 5, the rest [A-Z0-9].
        # ltrim(x, set) and substr behave the same on SQLite and PostgreSQL.
        CheckConstraint(
            f"length(code) = {CODE_LENGTH} AND ltrim(code, '{CODE_ALPHABET}-') = '' "
            "AND substr(code, 6, 1) = '-' AND substr(code, 12, 1) = '-' AND substr(code, 18, 1) = '-' "
            "AND length(replace(code, '-', '')) = 20",
            name="code_canonical",
        ),
        CheckConstraint("seats >= 1", name="seats_positive"),
        # the seat limit, held by the database whatever the application does
        CheckConstraint("seats_taken >= 0 AND seats_taken <= seats", name="seats_taken_within_seats"),
        CheckConstraint("expires_at > valid_from", name="expires_after_valid_from"),
        CheckConstraint("extra_transfers >= 0", name="extra_transfers_not_negative"),
        Index("ix_activation_codes_product_id_id", "product_id", "id"),
        Index("ix_activation_codes_expires_at", "expires_at"),
        # codes with no free seat: few, and the queue's "no free seat" filter starts from them
        Index("ix_activation_codes_full", "id", postgresql_where=text("seats_taken >= seats"),
              sqlite_where=text("seats_taken >= seats")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    seats: Mapped[int] = mapped_column(default=1)  # how many accounts may hold the code at once
    seats_taken: Mapped[int] = mapped_column(default=0)  # accounts holding it now; kept by the services
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extra_transfers: Mapped[int] = mapped_column(default=0)  # granted by support beyond the 30-day cap
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined")

    def __str__(self) -> str:
        return self.code


class CodeRegistration(db.Model):
    """A customer holding a code from added_at until removed_at; rows are never deleted."""

    __tablename__ = "code_registrations"
    __table_args__ = (
        # one customer holds a code at most once at a time; earlier, removed holdings stay as history
        Index(
            "uq_code_registrations_active", "code_id", "customer_id", unique=True,
            postgresql_where=text("removed_at IS NULL"), sqlite_where=text("removed_at IS NULL"),
        ),
        Index("ix_code_registrations_customer_added", "customer_id", "added_at"),
        Index("ix_code_registrations_code_added", "code_id", "added_at"),
        # recent transfers, for "transfer cap reached" over all codes (a queue filter): few rows, newest first
        Index("ix_code_registrations_transfers", "added_at", "code_id", postgresql_where=text("is_transfer"),
              sqlite_where=text("is_transfer")),
        CheckConstraint("removed_at IS NULL OR removed_at >= added_at", name="removed_after_added"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("activation_codes.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_transfer: Mapped[bool] = mapped_column(default=False)  # took a seat another account had given up

    code: Mapped[ActivationCode] = relationship(lazy="joined")


class BlacklistEntry(db.Model):
    """A code barred from use. Lifting keeps the row (lifted_*), so the history shows every decision."""

    __tablename__ = "blacklist_entries"
    __table_args__ = (
        CheckConstraint(check_in("reason", BlacklistReason), name="reason"),
        CheckConstraint("lifted_at IS NULL OR lifted_at >= created_at", name="lifted_after_created"),
        # at most one entry in force per code
        Index(
            "uq_blacklist_entries_in_force", "code_id", unique=True,
            postgresql_where=text("lifted_at IS NULL"), sqlite_where=text("lifted_at IS NULL"),
        ),
        Index("ix_blacklist_entries_code_created", "code_id", "created_at"),
        Index("ix_blacklist_entries_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("activation_codes.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_by_label: Mapped[str | None] = mapped_column(String(254))  # who it was, kept if the account goes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    lifted_by_label: Mapped[str | None] = mapped_column(String(254))
    lift_note: Mapped[str | None] = mapped_column(Text)

    code: Mapped[ActivationCode] = relationship(lazy="joined")

    @property
    def in_force(self) -> bool:
        return self.lifted_at is None
