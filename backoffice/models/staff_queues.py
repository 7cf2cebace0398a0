"""What each support engineer keeps about the queues: the queues (request types) they work, whose unassigned
tickets their dashboard counts; the queue views they saved; when they last opened each ticket (the unread mark)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime


class StaffQueue(db.Model):
    __tablename__ = "staff_queues"
    # "who works this queue" (a request type's engineers), beside the primary key's "what one engineer works"
    __table_args__ = (Index("ix_staff_queues_request_type_id", "request_type_id"),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    request_type_id: Mapped[int] = mapped_column(ForeignKey("support_request_types.id", ondelete="CASCADE"),
                                                 primary_key=True)


class TicketRead(db.Model):
    """When a staff member last opened a ticket: the queue marks it unread when the customer wrote after that."""

    __tablename__ = "ticket_reads"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedQueueView(db.Model):
    """An engineer's named set of queue filters and sort order (services/support/saved_views.py)."""

    __tablename__ = "saved_queue_views"
    __table_args__ = (UniqueConstraint("staff_id", "name", name="uq_saved_queue_views_staff_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    args: Mapped[dict] = mapped_column(JSON)  # the queue's query string: filters and sort, never a page cursor
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
