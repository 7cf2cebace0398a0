"""Console list filters that an index can serve, and that respect UTC-aware timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask_admin.contrib.sqla import filters


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
