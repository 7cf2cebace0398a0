"""The Virus Lab list's "Claimed by" filter: the open requests one analyst has in hand, the list that the
analyst dashboard's "Claimed by me" count links to (the same condition, services/viruslab/dashboard_counts)."""

from __future__ import annotations

from flask_admin.contrib.sqla import filters
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import StaffRole, StaffUser
from backoffice.services.viruslab.dashboard_counts import claimed_condition

CLAIMERS_SHOWN = 200  # staff who may claim: a handful in practice; the select never lists an unbounded table


def claimers() -> list[tuple[str, str]]:
    """Active staff who may claim a request (analysts and admins), by name."""
    rows = db.session.execute(select(StaffUser.id, StaffUser.name)
                              .where(StaffUser.role.in_((StaffRole.ADMIN, StaffRole.ANALYST)),
                                     StaffUser.is_active.is_(True))
                              .order_by(StaffUser.name).limit(CLAIMERS_SHOWN))
    return [(str(staff_id), name) for staff_id, name in rows]


class ClaimedBy(filters.BaseSQLAFilter):
    """Its options come from the filter form's field (`claimers`, read per request): Flask-Admin reads a filter's
    own options once, when the view is created, before any database is at hand."""

    def validate(self, value) -> bool:
        return bounded_int(value) is not None

    def clean(self, value) -> int:
        return bounded_int(value)

    def apply(self, query, value, alias=None):
        return query.filter(claimed_condition(value))

    def operation(self) -> str:
        return "is"
