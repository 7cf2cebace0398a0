"""`make.staff(...)`, `make.customer(...)`: rows for tests, committed, with known passwords."""

from __future__ import annotations

import itertools

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus, StaffUser
from backoffice.security import hash_password

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    # argon2 is slow on purpose; one hash per distinct password keeps the suite quick
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


class Factories:
    def staff(self, role: str = "admin", email: str | None = None, password: str = PASSWORD, **fields) -> StaffUser:
        number = next(_numbers)
        staff = StaffUser(
            email=email or f"{role}{number}@staff.example.com",
            name=fields.pop("name", f"{role.capitalize()} {number}"),
            role=role,
            password_hash=_hash(password),
            **fields,
        )
        db.session.add(staff)
        db.session.commit()
        return staff

    def customer(self, email: str | None = None, password: str = PASSWORD,
                 status: str = CustomerStatus.ACTIVE, **fields) -> Customer:
        number = next(_numbers)
        customer = Customer(
            email=email or f"customer{number}@example.com",
            password_hash=_hash(password),
            status=status,
            name=fields.pop("name", f"Customer {number}"),
            **fields,
        )
        db.session.add(customer)
        db.session.commit()
        return customer
