"""Row locks for read-check-write changes: two app servers changing one row take turns instead of interleaving."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from backoffice.extensions import db

Row = TypeVar("Row")


def locked(row: Row) -> Row:
    """`row` re-read under a row lock until the transaction ends (PostgreSQL; SQLite serialises writers anyway).
    Its attributes are refreshed, so checks made after this see what the last writer committed."""
    model = type(row)
    query = select(model).where(model.id == row.id).execution_options(populate_existing=True)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=model)
    return db.session.scalars(query).unique().one()
