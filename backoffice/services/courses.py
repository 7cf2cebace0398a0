"""Online courses (FAQ §01): staff keep the catalogue; customers choose and leave published courses."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.models import Course, Customer, Enrollment
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record, update_audited

COURSE_FIELDS = ["title", "summary", "duration_minutes", "is_published"]


def _clean(values: dict) -> dict:
    cleaned = dict(values)
    cleaned["title"] = (values.get("title") or "").strip()
    cleaned["summary"] = (values.get("summary") or "").strip()
    if not cleaned["title"]:
        raise ServiceError("Give the course a title.", "title")
    if len(cleaned["title"]) > 160:
        raise ServiceError("Use at most 160 characters.", "title")
    if not cleaned["summary"]:
        raise ServiceError("Describe the course in a few sentences.", "summary")
    minutes = values.get("duration_minutes")
    if minutes is not None and not 1 <= minutes <= 10_000:
        raise ServiceError("The duration is in minutes, between 1 and 10000.", "duration_minutes")
    cleaned["is_published"] = bool(values.get("is_published"))
    return cleaned


def create_course(values: dict, actor: Actor) -> Course:
    cleaned = _clean(values)
    course = Course(**{name: cleaned.get(name) for name in COURSE_FIELDS})
    db.session.add(course)
    _flush_unique_title()
    record(actor, "course.created", course, after=cleaned)
    db.session.commit()
    return course


def update_course(course: Course, values: dict, actor: Actor) -> Course:
    cleaned = _clean(values)
    if update_audited(course, COURSE_FIELDS, cleaned, actor, "course.updated"):
        _flush_unique_title()
        db.session.commit()
    return course


def delete_course(course: Course, actor: Actor) -> None:
    record(actor, "course.deleted", course, before={"title": course.title})
    db.session.delete(course)  # enrollments go with it (ON DELETE CASCADE)
    db.session.commit()


def _flush_unique_title() -> None:
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("Another course already has this title.", "title") from None


def catalogue(customer: Customer) -> list[tuple[Course, bool]]:
    """Published courses, each with whether this customer has chosen it."""
    chosen = set(db.session.scalars(select(Enrollment.course_id).where(Enrollment.customer_id == customer.id)))
    courses = db.session.scalars(select(Course).where(Course.is_published.is_(True)).order_by(Course.title)).all()
    return [(course, course.id in chosen) for course in courses]


def enroll(customer: Customer, course_id: int, actor: Actor) -> Course:
    course = db.session.get(Course, course_id)
    if course is None or not course.is_published:
        raise ServiceError("This course is not offered.")
    db.session.add(Enrollment(customer_id=customer.id, course_id=course.id))
    try:
        db.session.flush()
    except IntegrityError:  # chosen already (a double click): nothing to do
        db.session.rollback()
        return course
    record(actor, "course.enrolled", course, after={"customer_id": customer.id})
    db.session.commit()
    return course


def leave(customer: Customer, course_id: int, actor: Actor) -> Course:
    course = db.session.get(Course, course_id)
    if course is None:
        raise ServiceError("This course does not exist.")
    result = db.session.execute(delete(Enrollment).where(Enrollment.customer_id == customer.id,
                                                         Enrollment.course_id == course_id))
    if result.rowcount:
        record(actor, "course.left", course, after={"customer_id": customer.id})
    db.session.commit()
    return course


def enrollment_count(course: Course) -> int:
    return db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.course_id == course.id))
