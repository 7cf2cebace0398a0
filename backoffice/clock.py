"""The one source of "now": timezone-aware UTC, and settable by tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

_override: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    return _override() if _override else datetime.now(UTC)


def set_now(value: datetime | Callable[[], datetime] | None) -> None:
    """Freeze (a datetime), drive (a callable) or release (None) the clock."""
    global _override
    if value is None:
        _override = None
    elif callable(value):
        _override = value
    else:
        if value.tzinfo is None:
            raise ValueError("the clock only holds timezone-aware times")
        _override = lambda: value  # noqa: E731
