"""Counts that stay cheap at millions of rows: exact up to a limit, then an estimate or a floor.

A `COUNT(*)` over a million matching rows costs a scan per page view. Past the limit, PostgreSQL's planner
estimate is good enough for a dashboard or a list header; SQLite has no estimate, so we say "more than".
On PostgreSQL the estimate comes first: when the planner expects far more rows than the limit, counting even
`limit` of them (a bitmap heap scan of thousands of pages for a broad search) would be wasted work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, func, select, text

from backoffice.extensions import db

# Skip the capped count when the planner expects this many times the limit. Its estimates of LIKE and of
# correlated conditions can be a few times too high; with statistics kept by autovacuum, not ten times.
ESTIMATE_TRUST_FACTOR = 10


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool  # False: `value` is a planner estimate (PostgreSQL) or a floor (SQLite)
    floor: bool = False

    def __str__(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        return f"more than {self.value:,}" if self.floor else f"about {self.value:,}"


def bounded_count(query: Select, limit: int | None = None) -> Count:
    """Count the rows of `query`, reading at most `limit` + 1 of them (none when PostgreSQL expects millions)."""
    limit = limit or current_app.config["EXACT_COUNT_LIMIT"]
    estimate = _planner_estimate(query) if db.engine.dialect.name == "postgresql" else None
    if estimate is not None and estimate > limit * ESTIMATE_TRUST_FACTOR:
        return Count(estimate, exact=False)
    capped = select(func.count()).select_from(query.limit(limit + 1).subquery())
    value = db.session.scalar(capped)
    if value <= limit:
        return Count(value, exact=True)
    if estimate is not None:
        return Count(max(estimate, limit), exact=False)
    return Count(limit, exact=False, floor=True)


def _planner_estimate(query: Select) -> int:
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = db.session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
