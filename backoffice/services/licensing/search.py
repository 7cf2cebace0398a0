"""The console's code search: a whole code or its beginning, typed in any shape, answered by the unique
index on activation_codes.code (equality or a BETWEEN range; never CAST or LIKE '%...%')."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from backoffice.models import ActivationCode
from backoffice.services.licensing.normalise import normalise_prefix, prefix_bounds


def code_search_condition(term: str) -> ColumnElement[bool]:
    prefix = normalise_prefix(term)
    if len(prefix) == 23:
        return ActivationCode.code == prefix
    low, high = prefix_bounds(prefix)
    return ActivationCode.code.between(low, high)
