"""Customer records as staff see them: search at scale and audited edits."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, column, literal_column, or_, table

from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record, update_audited
from backoffice.services.profile import PROFILE_FIELDS, clean_profile

MIN_SEARCH_LENGTH = 3  # the trigram indexes behind search need three characters
EDITABLE_FIELDS = ["name", "country", "city", "address", "phone", "company", "company_address",
                   "company_admin_email", "news_subscribed"]


# SQLite's FTS5 index of email and name (migration 0001); its rowid is the customer's id.
_FTS = table("customers_fts", column("rowid"))


def search_condition(term: str) -> ColumnElement[bool]:
    """Customers whose e-mail or name contains `term`, answered from an index on both backends.

    PostgreSQL: trigram GIN indexes on email and name serve `ILIKE '%term%'`.
    SQLite: an FTS5 table with the trigram tokenizer, kept current by triggers (see the migrations). The
    condition joins it (`customers_fts.rowid = customers.id`) rather than testing `id IN (SELECT rowid ...)`:
    SQLite would collect every match of the subquery first (55,000 for a common surname in a million rows),
    where the join lets the index hand over matches one by one, newest first with `search_order_key()`.
    """
    term = term.strip()
    if len(term) < MIN_SEARCH_LENGTH:
        raise ServiceError(f"Type at least {MIN_SEARCH_LENGTH} characters to search.")
    if db.engine.dialect.name == "postgresql":
        pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return or_(Customer.email.ilike(pattern, escape="\\"), Customer.name.ilike(pattern, escape="\\"))
    phrase = '"' + term.replace('"', '""') + '"'
    return and_(_FTS.c.rowid == Customer.id, literal_column("customers_fts").op("MATCH")(phrase))


def search_order_key() -> ColumnElement | None:
    """A column equal to Customer.id that the search index returns in id order, or None (PostgreSQL)."""
    return _FTS.c.rowid if db.engine.dialect.name == "sqlite" else None


def update_customer(customer: Customer, values: dict, actor: Actor) -> Customer:
    """Apply a staff edit of the profile fields, audited with what changed."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ServiceError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    if any(name in values for name in PROFILE_FIELDS):
        current = {name: getattr(customer, name) for name in PROFILE_FIELDS}
        values = {**values, **clean_profile({**current, **values}, complete=False)}
    if update_audited(customer, EDITABLE_FIELDS, values, actor, "customer.updated"):
        db.session.commit()
    return customer


def set_status(customer: Customer, status: str, actor: Actor) -> Customer:
    if status not in set(CustomerStatus):
        raise ServiceError("Unknown status.")
    if customer.status == status:
        return customer
    before = {"status": customer.status}
    customer.status = status
    record(actor, "customer.status_changed", customer, before=before, after={"status": status})
    db.session.commit()
    return customer
