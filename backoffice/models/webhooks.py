"""Webhook subscriptions (admin-managed) and the log of what was sent to them.

A change that emits an event writes one WebhookDelivery per matching subscription and its job in the change's
own transaction; the worker posts it, signed, and writes one WebhookAttempt per try (status code or error)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime, check_in


class DeliveryState(StrEnum):
    PENDING = "pending"  # queued or being retried
    DELIVERED = "delivered"
    FAILED = "failed"  # gave up after the retry window


class WebhookSubscription(db.Model):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(128))  # the receiver checks the HMAC with it, so it is kept
    is_active: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(check_in("state", DeliveryState), name="state"),
        Index("ix_webhook_deliveries_subscription_id", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(40))  # the same for a replay: receivers deduplicate by it
    payload: Mapped[dict] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_status: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="SET NULL"))

    subscription: Mapped[WebhookSubscription] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(order_by="WebhookAttempt.id",
                                                            back_populates="delivery")

    def __str__(self) -> str:
        return f"{self.event} #{self.id}"


class WebhookAttempt(db.Model):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None]  # None: no HTTP answer (refused, timed out)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(default=0)

    delivery: Mapped[WebhookDelivery] = relationship(back_populates="attempt_log")
