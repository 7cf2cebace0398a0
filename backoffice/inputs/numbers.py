"""The first pieces of one input boundary (issue 11): numbers in paths and in the console's list arguments are
bounded before any query sees them, so a number past 64 bits, a negative page or a word where an id belongs is a
404 or a harmless default, never a database error.

- `BoundedInt` replaces Flask's `int` URL converter everywhere: 0 to 2⁶³-1 (a BIGINT), anything else does not match
  the route (404).
- `bounded_int(text, default, maximum)` is the one parser for a number given as text (query arguments, ids).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**63 - 1  # the largest BIGINT; SQLite's INTEGER has the same range
MAX_PAGE = 100_000  # list pages: past this, a keyset search or a filter is the way


class BoundedInt(IntegerConverter):
    """`<int:...>` that matches only what a database id can be."""

    def __init__(self, map, **kwargs):  # noqa: A002  the converter API's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, **kwargs)


def bounded_int(text, default: int | None = None, maximum: int = MAX_ID, minimum: int = 0) -> int | None:
    """`text` as an integer within [minimum, maximum], else `default`; digits only (no sign, spaces or
    underscores, which int() would accept)."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 19:
        return default
    value = int(text)
    return value if minimum <= value <= maximum else default


def bounded_ids(texts) -> list[int]:
    """The values of a repeated id field (ticked rows, files to remove) that can be ids; the rest are ignored."""
    return [value for value in (bounded_int(text) for text in texts) if value is not None]
