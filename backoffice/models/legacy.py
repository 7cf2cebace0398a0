"""What the Personal Cabinet import (FAQ §02) brings besides the account: the activation codes it listed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime


class LegacyCode(db.Model):
    """An activation code registered in the old Personal Cabinet, in the canonical form XXXXX-XXXXX-XXXXX-XXXXX."""

    __tablename__ = "legacy_codes"
    __table_args__ = (UniqueConstraint("customer_id", "code", name="uq_legacy_codes_customer_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(23), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set when the account is claimed: what adding the code as an activation code gave (the licensing AddResult
    # value, "added" or why not) and, for a refusal, the reason as the customer was told it
    outcome: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
