"""Importing Personal Cabinet accounts (FAQ §02) from a CSV file: all or nothing.

Columns (header row required): email, name, country, codes. `country` is an ISO 3166 code or name;
`codes` lists the account's activation codes (4 blocks of 5 letters or digits), separated by spaces or `;`.
Every line is checked before anything is written; any error refuses the whole file, naming each bad line.
Imported accounts have no password: their owners claim them through a mailed link (services.legacy_claim).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pycountry
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus, LegacyCode
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.emails import normalise_email

COLUMNS = ["email", "name", "country", "codes"]
CODE = re.compile(r"^[A-Z0-9]{5}-?[A-Z0-9]{5}-?[A-Z0-9]{5}-?[A-Z0-9]{5}$")
MAX_ERRORS_SHOWN = 50
BATCH = 1000


class ImportRefused(ServiceError):
    def __init__(self, errors: list[str]):
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n… and {len(errors) - len(shown)} more" if len(errors) > len(shown) else ""
        super().__init__(f"Nothing was imported: {len(errors)} error(s).\n" + "\n".join(shown) + more)
        self.errors = errors


@dataclass
class LegacyAccount:
    line: int
    email: str
    name: str | None
    country: str | None
    codes: list[str] = field(default_factory=list)


def parse(rows: Iterable[str]) -> list[LegacyAccount]:
    """Every account in the file, or ImportRefused listing every bad line (line 1 is the header)."""
    reader = csv.DictReader(rows)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if header[:len(COLUMNS)] != COLUMNS:
        raise ImportRefused([f"line 1: the header must be {','.join(COLUMNS)} (found {','.join(header) or 'nothing'})"])
    reader.fieldnames = header
    accounts, errors, seen = [], [], {}
    for record_ in reader:
        line = reader.line_num
        try:
            account = _account(line, record_)
        except ServiceError as error:
            errors.append(f"line {line}: {error.message}")
            continue
        if account.email in seen:
            errors.append(f"line {line}: {account.email} is also on line {seen[account.email]}")
            continue
        seen[account.email] = line
        accounts.append(account)
    existing = _already_registered(list(seen))
    errors += [f"line {seen[email]}: {email} already has an account" for email in sorted(existing, key=seen.get)]
    if errors:
        raise ImportRefused(sorted(errors, key=lambda text: int(text.split(":")[0].split()[1])))
    return accounts


def _account(line: int, row: dict) -> LegacyAccount:
    if None in row or any(value is None for value in row.values()):
        raise ServiceError(f"expected {len(COLUMNS)} columns")
    email = normalise_email(row["email"])
    name = row["name"].strip() or None
    if name and len(name) > 120:
        raise ServiceError("the name is longer than 120 characters")
    country = _country(row["country"].strip())
    codes = []
    for raw in re.split(r"[\s;]+", row["codes"].strip().upper()):
        if not raw:
            continue
        if not CODE.match(raw):
            raise ServiceError(f"{raw!r} is not an activation code (4 blocks of 5 letters or digits)")
        plain = raw.replace("-", "")
        codes.append("-".join(plain[i:i + 5] for i in range(0, 20, 5)))  # canonical, as licensing stores it
    return LegacyAccount(line, email, name, country, sorted(set(codes)))


def _country(value: str) -> str | None:
    if not value:
        return None
    try:
        return pycountry.countries.lookup(value).alpha_2
    except LookupError:
        raise ServiceError(f"unknown country {value!r} (use the ISO 3166 code, e.g. DE)") from None


def _already_registered(emails: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(emails), BATCH):
        chunk = emails[start:start + BATCH]
        found |= set(db.session.scalars(select(Customer.email).where(Customer.email.in_(chunk))))
    return found


def import_accounts(accounts: list[LegacyAccount], actor: Actor,
                    progress: Callable[[int], None] | None = None) -> int:
    """Write the parsed accounts in one transaction; a failure (e.g. an address registered meanwhile) writes
    nothing."""
    try:
        for start in range(0, len(accounts), BATCH):
            chunk = accounts[start:start + BATCH]
            customers = [Customer(email=a.email, name=a.name, country=a.country, status=CustomerStatus.LEGACY,
                                  password_hash=None) for a in chunk]
            db.session.add_all(customers)
            db.session.flush()
            db.session.add_all([LegacyCode(customer_id=customer.id, code=code)
                                for customer, account in zip(customers, chunk, strict=True)
                                for code in account.codes])
            db.session.flush()
            if progress:
                progress(len(chunk))
        record(actor, "customer.legacy_imported", None, object_type="customers",
               after={"accounts": len(accounts), "codes": sum(len(a.codes) for a in accounts)})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(accounts)
