"""The queue's sort orders and their keyset cursor.

A page is `ORDER BY key, id` (both ascending or both descending, so one index scan serves it in either
direction) and the next page starts after the last row shown: `(key, id) > (last key, last id)` (or `<`). The
row comparison is one index seek on PostgreSQL and SQLite, however deep the page and however many tickets share
the boundary's key: no OFFSET, no counting of what came before. The indexes are on the model
(models/support.queue_sort_indexes).

The cursor in the query string is the last row's key and id, `after=<key>~<id>` (the key an ISO time in UTC or a
number); a cursor that cannot be read starts at the first page again with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from backoffice.models import Ticket

ASC, DESC = "asc", "desc"


@dataclass(frozen=True)
class SortOrder:
    key: str  # the query string's `sort`
    label: str  # the column heading
    column: InstrumentedAttribute
    default: str  # the direction a first click on the heading asks for
    directions: dict  # direction -> what it means to a person ("Urgent first")

    def is_time(self) -> bool:
        return self.column is not Ticket.id and self.column is not Ticket.priority_rank


SORTS: dict[str, SortOrder] = {order.key: order for order in (
    SortOrder("number", "Number", Ticket.id, DESC, {DESC: "newest first", ASC: "oldest first"}),
    SortOrder("activity", "Last activity", Ticket.last_activity_at, DESC,
              {DESC: "most recent first", ASC: "least recent first"}),
    SortOrder("first_response_due", "First response due", Ticket.first_response_due_at, ASC,
              {ASC: "soonest first", DESC: "latest first"}),
    SortOrder("resolution_due", "Resolution due", Ticket.resolution_due_at, ASC,
              {ASC: "soonest first", DESC: "latest first"}),
    SortOrder("priority", "Priority", Ticket.priority_rank, ASC, {ASC: "urgent first", DESC: "low first"}),
    SortOrder("age", "Age", Ticket.created_at, ASC, {ASC: "oldest first", DESC: "newest first"}),
)}
DEFAULT_SORT = "number"


@dataclass(frozen=True)
class Cursor:
    key: object  # the last row's sort key (an int or an aware datetime); its id for the number order
    id: int


def order(sort: SortOrder, direction: str) -> list:
    if sort.column is Ticket.id:
        return [Ticket.id.desc() if direction == DESC else Ticket.id.asc()]
    if direction == DESC:
        return [sort.column.desc(), Ticket.id.desc()]
    return [sort.column.asc(), Ticket.id.asc()]


def after(sort: SortOrder, direction: str, cursor: Cursor) -> ColumnElement[bool]:
    """The rows that come after `cursor` in this order."""
    if sort.column is Ticket.id:
        return Ticket.id < cursor.id if direction == DESC else Ticket.id > cursor.id
    # typed literals: the key is bound through the column's type (UTC handling on SQLite)
    row = tuple_(sort.column, Ticket.id)
    boundary = tuple_(literal(cursor.key, sort.column.type), literal(cursor.id))
    return row < boundary if direction == DESC else row > boundary


def sorted_page(query: Select, sort: SortOrder, direction: str, cursor: Cursor | None, size: int) -> Select:
    if cursor is not None:
        query = query.where(after(sort, direction, cursor))
    return query.order_by(*order(sort, direction)).limit(size)


def cursor_of(sort: SortOrder, ticket: Ticket) -> Cursor:
    return Cursor(getattr(ticket, sort.column.key), ticket.id)


def encode(sort: SortOrder, cursor: Cursor) -> str:
    if sort.column is Ticket.id:
        return str(cursor.id)
    key = cursor.key.astimezone(UTC).isoformat() if isinstance(cursor.key, datetime) else str(cursor.key)
    return f"{key}~{cursor.id}"


def decode(sort: SortOrder, text: str | None) -> Cursor | None:
    """The cursor in `text`, or None when it is missing; ValueError when it cannot be one of this order's."""
    if not text:
        return None
    if sort.column is Ticket.id:
        return Cursor(None, _id(text))
    key, separator, ticket_id = text.rpartition("~")
    if not separator:
        raise ValueError(text)
    if sort.is_time():
        moment = datetime.fromisoformat(key)
        if moment.tzinfo is None:
            raise ValueError(text)
        return Cursor(moment.astimezone(UTC), _id(ticket_id))
    if key not in ("0", "1", "2", "3"):
        raise ValueError(text)
    return Cursor(int(key), _id(ticket_id))


def _id(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not 0 < int(text) < 2**31:
        raise ValueError(text)
    return int(text)
