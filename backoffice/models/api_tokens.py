"""Personal access tokens of staff for the REST API (/api/v1). Only the SHA-256 of the secret is stored.

A token carries scopes ("tickets:read", "codes:write", ...) chosen within its owner's role, and the owner's
session epoch at creation: a deactivation, a lock, a role change or a new password moves the epoch, and every
token made before it stops working, as every console session does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.accounts import StaffUser
from backoffice.models.types import UTCDateTime


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_owner_id", "owner_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # the first characters, shown in lists to tell tokens apart
    name: Mapped[str] = mapped_column(String(80))
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    owner_epoch: Mapped[str] = mapped_column(String(32))  # StaffUser.session_epoch when it was made
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[StaffUser] = relationship()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
