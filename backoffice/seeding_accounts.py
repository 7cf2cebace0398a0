"""Demo data for customer accounts (idempotent): the online course catalogue and one Personal Cabinet account
waiting to be claimed at /claim."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Course, Customer, CustomerStatus, LegacyCode

DEMO_COURSES = [
    ("Recognising phishing", "Spot fake shops, fake banks and fake parcel notices before you type anything.", 20),
    ("Ransomware: prepare, prevent, recover", "Backups that survive an attack, and what to do in the first hour.",
     35),
    ("Safe online banking", "Protected browsers, one-time codes and the signs of a hijacked session.", 25),
    ("Protecting a family computer", "Accounts for children, parental control and safe downloads.", 30),
]
DEMO_LEGACY = ("legacy@example.com", "Paula Cabinet", "DE", "LEGAC-Y0000-DEMO0-00001")


def seed_accounts_demo() -> Iterator[str]:
    for title, summary, minutes in DEMO_COURSES:
        if not db.session.scalar(select(Course.id).where(Course.title == title)):
            db.session.add(Course(title=title, summary=summary, duration_minutes=minutes, is_published=True))
    yield f"courses           {len(DEMO_COURSES)} published online courses"
    email, name, country, code = DEMO_LEGACY
    if not db.session.scalar(select(Customer.id).where(Customer.email == email)):
        customer = Customer(email=email, name=name, country=country, status=CustomerStatus.LEGACY)
        db.session.add(customer)
        db.session.flush()
        db.session.add(LegacyCode(customer_id=customer.id, code=code))
    yield f"legacy            {email:<22} claim it at /claim (the link is mailed)"
    db.session.commit()
