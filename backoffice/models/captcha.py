"""Captcha challenges: the expected answer of each picture, kept server-side (hashed) and usable once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime


class CaptchaChallenge(db.Model):
    __tablename__ = "captcha_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
