"""Console list filters that an index can serve, and that respect UTC-aware timestamps; and which values a
filter can take at all (`accepts`)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask_admin.contrib.sqla import filters
from flask_admin.model.filters import BaseIntFilter, BaseIntListFilter
from sqlalchemy import select

from backoffice.inputs.numbers import MAX_ID
from backoffice.models import Customer


def accepts(flt, value: str) -> bool:
    """Whether `value` is one a filter offers: one of its fixed options, or integers a column can hold. Flask-Admin
    checks neither (an unknown state in `?flt1_1=x` was 465 of a scanner's 500s; 2⁶⁴ reached the database)."""
    if isinstance(flt.options, (list, tuple)) and str(value) not in {str(option[0]) for option in flt.options}:
        return False
    if isinstance(flt, (BaseIntFilter, BaseIntListFilter)):
        items = value.split(",") if isinstance(flt, BaseIntListFilter) else [value]
        try:
            return all(-MAX_ID <= int(item.strip()) <= MAX_ID for item in items if item.strip())
        except ValueError:
            return False
    return True


def left_out_note(flt, value: str) -> str:
    return f"“{value[:80]}” is not a value the {flt.name} filter takes; it was left out."


class _AwareDateMixin:
    def clean(self, value):
        day = datetime.strptime(value, "%Y-%m-%d").date()
        return day

    def validate(self, value):
        try:
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError:
            return False
        return True


class CreatedOnOrAfter(_AwareDateMixin, filters.BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) >= datetime.combine(value, time.min, UTC))

    def operation(self):
        return "on or after (YYYY-MM-DD)"


class CreatedOnOrBefore(_AwareDateMixin, filters.BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) <= datetime.combine(value, time.max, UTC))

    def operation(self):
        return "on or before (YYYY-MM-DD)"


def date_range(column, label: str) -> list:
    return [CreatedOnOrAfter(column, label), CreatedOnOrBefore(column, label)]


class CustomerEmailFilter(filters.BaseSQLAFilter):
    """Rows belonging to the customer with this account e-mail, exactly (the unique index on customers.email):
    the customer page's "all" links use it, and staff can type an address. `rows_of(customer_ids)` is the
    view's condition for "rows of these customers", given a subquery of customer ids."""

    def __init__(self, column, name, rows_of, **kwargs):
        super().__init__(column, name, **kwargs)
        self.rows_of = rows_of

    def apply(self, query, value, alias=None):
        return query.filter(self.rows_of(select(Customer.id).where(Customer.email == value.strip().lower())))

    def operation(self):
        return "is"
