"""Demo data for `make run`, loaded from the files in seeds/demo/, and bulk rows for benchmarks. Idempotent where
it says so."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import timedelta

from sqlalchemy import func, insert, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus, StaffQueue, StaffRole, StaffUser, SupportRequestType
from backoffice.security import Actor, hash_password
from backoffice.seeding.files import demo_data

DEMO_SYSTEM = Actor.system("seed-demo")


def seed_demo() -> Iterator[str]:
    """Create what is missing of the demo data (seeds/demo/*.toml) and say what exists; running it twice changes
    nothing."""
    people = demo_data("people")
    for person in people["staff"]:
        email, role, password = person["email"], person["role"], person["password"]
        if not db.session.scalar(select(StaffUser.id).where(StaffUser.email == email)):
            staff = StaffUser(email=email, name=person["name"], role=StaffRole(role),
                              password_hash=hash_password(password))
            db.session.add(staff)
            db.session.flush()
            kinds = db.session.scalars(select(SupportRequestType).where(
                SupportRequestType.code.in_(person.get("queues", []))))
            db.session.add_all(StaffQueue(staff_id=staff.id, request_type_id=kind.id) for kind in kinds)
        yield f"staff    {role:<8} {email:<22} password: {password}"
    for person in people["customers"]:
        email, password = person["email"], person["password"]
        if not db.session.scalar(select(Customer.id).where(Customer.email == email)):
            now = utcnow()
            db.session.add(Customer(
                email=email, name=person["name"], country=person["country"], city=person["city"],
                status=CustomerStatus.ACTIVE, password_hash=hash_password(password), activated_at=now,
                created_at=now - timedelta(days=30),
            ))
        yield f"customer          {email:<22} password: {password}"
    db.session.commit()

    from backoffice.seeding.accounts import seed_accounts_demo
    from backoffice.seeding.licensing import seed_licensing
    from backoffice.seeding.support import seed_support
    from backoffice.seeding.viruslab import seed_viruslab

    yield from seed_licensing()
    yield from seed_viruslab()
    yield from seed_support()
    yield from seed_accounts_demo(people["legacy"])


FIRST_NAMES = ["Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Karin",
               "Luca", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera"]
LAST_NAMES = ["Schmidt", "Novak", "Rossi", "Garcia", "Kowalski", "Smith", "Ivanova", "Dubois", "Larsen",
              "Nakamura", "Silva", "Yilmaz", "Jansen", "Horvat", "Papadopoulos", "Berg", "Costa", "Meyer"]
COUNTRIES = ["DE", "FR", "GB", "US", "RU", "PL", "IT", "ES", "NL", "SE", "TR", "JP", "BR", "IN", "CZ"]
STATUS_WEIGHTS = [(CustomerStatus.ACTIVE, 85), (CustomerStatus.PENDING, 10), (CustomerStatus.LOCKED, 5)]


def seed_customers(count: int, batch: int = 10_000, progress: Callable[[int], object] = lambda n: None,
                   seed: int = 0) -> None:
    """Insert `count` synthetic customers in batches of multi-row INSERTs (COPY-like speed without COPY)."""
    rng = random.Random(seed)
    start = (db.session.scalar(select(func.max(Customer.id))) or 0) + 1
    password_hash = hash_password("scale-customer-pass")  # one hash for all: argon2 per row would take hours
    statuses = [status for status, weight in STATUS_WEIGHTS for _ in range(weight)]
    now = utcnow()
    table = Customer.__table__
    for offset in range(0, count, batch):
        rows = []
        for number in range(start + offset, start + min(offset + batch, count)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            rows.append({
                "email": f"{first}.{last}.{number}@scale.example.com".lower(),
                "password_hash": password_hash,
                "status": rng.choice(statuses),
                "session_epoch": f"{number:016x}",
                "failed_logins": 0,
                "name": f"{first} {last}",
                "country": rng.choice(COUNTRIES),
                "city": "Springfield",
                "news_subscribed": rng.random() < 0.3,
                "created_at": now - timedelta(minutes=(count - (number - start)) * 3),
            })
        db.session.execute(insert(table), rows)
        db.session.commit()
        progress(len(rows))
