"""The SQL statements a block of test code sends, recorded from the engine (statement-count tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from backoffice.extensions import db


@contextmanager
def recorded() -> Iterator[list[str]]:
    """`with recorded() as statements:` — every statement the block executes, in order."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
