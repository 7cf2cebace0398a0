"""Demo data for customer accounts (idempotent): the online course catalogue and one Personal Cabinet account
waiting to be claimed at /claim."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Course, Customer, CustomerStatus, LegacyCode
from backoffice.seeding.files import demo_data


def seed_accounts_demo(legacy: dict) -> Iterator[str]:
    courses = demo_data("courses")["courses"]
    for course in courses:
        if not db.session.scalar(select(Course.id).where(Course.title == course["title"])):
            db.session.add(Course(title=course["title"], summary=course["summary"],
                                  duration_minutes=course["minutes"], is_published=True))
    yield f"courses           {len(courses)} published online courses"
    email = legacy["email"]
    if not db.session.scalar(select(Customer.id).where(Customer.email == email)):
        customer = Customer(email=email, name=legacy["name"], country=legacy["country"], status=CustomerStatus.LEGACY)
        db.session.add(customer)
        db.session.flush()
        db.session.add(LegacyCode(customer_id=customer.id, code=legacy["code"]))
    yield f"legacy            {email:<22} claim it at /claim (the link is mailed)"
    db.session.commit()
