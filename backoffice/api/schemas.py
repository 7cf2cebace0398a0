"""Schemas and helpers every resource shares."""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma


class Page(ma.Schema):
    """A page of a list: `items`, and the cursor of the next page (null on the last one)."""

    next_cursor = ma.fields.String(allow_none=True, required=True)


def dump_time(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC (with Z), the one time format of the API."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
