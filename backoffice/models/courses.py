"""Online courses (FAQ §01): a catalogue that staff maintain, and the customers enrolled in each course."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models.types import UTCDateTime


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160), unique=True)
    summary: Mapped[str] = mapped_column(Text)
    duration_minutes: Mapped[int | None]
    is_published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="course", passive_deletes=True)

    def __str__(self) -> str:
        return self.title


class Enrollment(db.Model):
    """A customer's choice of a course; leaving deletes the row."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("customer_id", "course_id", name="uq_enrollments_customer_course"),
        Index("ix_enrollments_course_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[Course] = relationship(back_populates="enrollments")
