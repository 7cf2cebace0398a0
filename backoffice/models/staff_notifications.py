"""Which notification mails a staff member has switched off. Every kind is on until its row says off, so a new
colleague gets them all without a row being written for them."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.extensions import db
from backoffice.models.types import check_in


class StaffNotice(StrEnum):
    NEW_TICKET = "new_ticket"  # a new ticket in one of the queues I work
    CUSTOMER_REPLIED = "customer_replied"  # the customer wrote on a ticket assigned to me
    ASSIGNED = "assigned"  # someone else assigned a ticket to me


class StaffNoticeOptOut(db.Model):
    __tablename__ = "staff_notice_opt_outs"
    __table_args__ = (CheckConstraint(check_in("notice", StaffNotice), name="notice"),)

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True)
    notice: Mapped[str] = mapped_column(String(32), primary_key=True)
