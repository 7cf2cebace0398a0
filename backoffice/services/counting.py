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
from sqlalchemy import Select, func, select

from backoffice.extensions import db

# Skip the capped count when the planner expects this many times the limit. Counting even `limit` rows of a
# broad trigram search costs a bitmap of every match (tens of ms at a million rows), and its estimate is
# typically within 2x (an OR of e-mail and name matching the same rows is counted twice): past 2x the
# limit, "about N" is what the count would end in anyway. Never below a thousand rows: counting those is cheap,
# and the planner's guess for a table autovacuum has not analyzed yet can be off by that much.
ESTIMATE_TRUST_FACTOR = 2
ESTIMATE_TRUST_MIN = 1_000


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
    if estimate is not None and estimate > max(limit * ESTIMATE_TRUST_FACTOR, ESTIMATE_TRUST_MIN):
        return Count(estimate, exact=False)
    capped = select(func.count()).select_from(query.limit(limit + 1).subquery())
    value = db.session.scalar(capped)
    if value <= limit:
        return Count(value, exact=True)
    if estimate is not None:
        return Count(max(estimate, limit), exact=False)
    return Count(limit, exact=False, floor=True)


def _planner_estimate(query: Select) -> int:
    # Bound parameters, not literals pasted into text(): a search term may hold ":name" or "%".
    compiled = query.compile(db.engine, compile_kwargs={"render_postcompile": True})
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def bounded_counts(queries: dict[str, Select], limit: int | None = None) -> dict[str, Count]:
    """Several bounded counts in one statement (a dashboard's), by the same rule as `bounded_count`.

    Each count reads at most `limit` + 1 rows of its query; only a count past the limit costs another statement
    (PostgreSQL's estimate for it), so a dashboard runs one statement whatever its tables hold below the limit.
    Unlike `bounded_count` the estimate is not asked first: a dashboard's conditions are index-backed, where
    reading `limit` + 1 index entries is cheaper than one EXPLAIN per count.
    """
    if not queries:
        return {}
    limit = limit or current_app.config["EXACT_COUNT_LIMIT"]
    capped = [select(func.count()).select_from(query.limit(limit + 1).subquery()).scalar_subquery().label(f"c{n}")
              for n, query in enumerate(queries.values())]
    values = db.session.execute(select(*capped)).one()
    estimates = db.engine.dialect.name == "postgresql"
    counts = {}
    for (name, query), value in zip(queries.items(), values, strict=True):
        if value <= limit:
            counts[name] = Count(value, exact=True)
        elif estimates:
            counts[name] = Count(max(_planner_estimate(query), limit), exact=False)
        else:
            counts[name] = Count(limit, exact=False, floor=True)
    return counts
