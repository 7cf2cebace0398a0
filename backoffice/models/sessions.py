"""Sign-ins recorded on the server: the cookie holds only a session's secret, the row says whether it still counts.

Signing out ends the row, so a copied cookie replayed later opens nothing, on any worker or host. (Account-wide
ends — a new password, a lock, a role change — still move the account's session epoch, which every cookie names.)
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class SessionKind(StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"


class LoginSession(db.Model):
    __tablename__ = "login_sessions"
    __table_args__ = (
        CheckConstraint(check_in("kind", SessionKind), name="kind"),
        Index("ix_login_sessions_account", "kind", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the secret in the cookie
    kind: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[int]  # a customer's or a staff user's id, by kind
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
