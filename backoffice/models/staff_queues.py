"""The queues (support request types) each support engineer works: their dashboard counts the unassigned tickets
of these queues."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db


class StaffQueue(db.Model):
    __tablename__ = "staff_queues"
    # "who works this queue" (a request type's engineers), beside the primary key's "what one engineer works"
    __table_args__ = (Index("ix_staff_queues_request_type_id", "request_type_id"),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    request_type_id: Mapped[int] = mapped_column(ForeignKey("support_request_types.id", ondelete="CASCADE"),
                                                 primary_key=True)
