"""Column types shared by every domain module."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator, bindparam


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in Python on every backend.

    PostgreSQL stores `timestamptz`; SQLite has no time zones, so values are stored as naive UTC and given
    their zone back on load. A naive value on the way in is a bug, not something to guess about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use backoffice.clock.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def check_in(column: str, values) -> str:
    """SQL text for a CHECK that keeps an enum-like string column inside its allowed values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def one_of(column, values):
    """`column IN (...)` for a fixed set of states (the active ones, those whose clock runs), the values written
    into the SQL rather than bound. A partial index whose predicate names those states can then serve it under
    PostgreSQL's generic plan of a prepared statement, so the queue's statements are planned once per connection
    instead of on every page (bound, the planner must re-plan each time to prove the predicate: most of the queue
    page's SQL time); SQLite's planner, which never matches bound values to an index predicate, uses the index
    too. Only for constants: a value that comes from a request is always bound."""
    return column.in_(bindparam(None, sorted(str(value) for value in values), type_=column.type, expanding=True,
                                literal_execute=True))
