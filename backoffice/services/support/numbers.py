"""Request numbers: `TS-2026-000123`, from a counter row per year.

The counter is bumped with `UPDATE ... RETURNING` inside the submit's transaction: the row lock serialises
concurrent submits on every app server, and a rolled-back submit gives its number back. A number is only a
name: every lookup also checks who owns the request (see access.py).
"""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import TicketNumberCounter

NUMBER_SHAPE = re.compile(r"[A-Z]{1,8}-\d{4}-\d{6,}")


def next_number() -> str:
    """The next number of this year, taken inside the caller's transaction."""
    year = utcnow().year
    value = _bump(year)
    if value is None:  # the year's first request: create the row (once, whoever wins), then bump it
        insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(TicketNumberCounter).values(year=year, last_value=0).on_conflict_do_nothing())
        value = _bump(year)
    prefix = current_app.config["TICKET_NUMBER_PREFIX"]
    return f"{prefix}-{year}-{value:06d}"


def _bump(year: int) -> int | None:
    result = db.session.execute(
        update(TicketNumberCounter)
        .where(TicketNumberCounter.year == year)
        .values(last_value=TicketNumberCounter.last_value + 1)
        .returning(TicketNumberCounter.last_value)
    )
    return result.scalar()


def looks_like_number(text: str) -> bool:
    return bool(NUMBER_SHAPE.fullmatch(text.strip().upper()))
