"""The app as bench/queues.py serves it: the real console plus a default Flask-Admin ModelView of Ticket.

`gunicorn 'bench.queues_app:create_bench_app()'` serves it (settings from BACKOFFICE_* variables). The baseline
view exists only here: what Flask-Admin does out of the box (COUNT(*) pager, `ILIKE '%term%'` search over
the searchable columns, generated filters), behind the same staff guard so one signed-in session measures both.
"""

from __future__ import annotations

from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model.filters import convert

from backoffice import create_app
from backoffice.console.access import ALL_STAFF, RoleGuard
from backoffice.extensions import db
from backoffice.models import Ticket

BASELINE_ENDPOINT = "baseline_tickets"
BASELINE_URL = "/console/baseline-tickets"


class _Converter(FilterConverter):
    """Flask-Admin picks filters by the column type's class name; ours wraps DateTime as UTCDateTime."""

    @convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class BaselineTicketView(RoleGuard, ModelView):
    """A default ModelView; only the role guard, searchable columns and filter columns are set."""

    read_roles = ALL_STAFF
    column_searchable_list = ["number", "subject", "description"]
    column_filters = ["status", "priority", "request_type_id", "assignee_id", "created_at"]
    filter_converter = _Converter()


def create_bench_app(config: dict | None = None):
    app = create_app(config)
    (admin,) = [candidate for candidate in app.extensions["admin"] if candidate.url == "/console"]
    admin.add_view(BaselineTicketView(Ticket, db, name="Baseline tickets", endpoint=BASELINE_ENDPOINT,
                                      url=BASELINE_URL))
    return app


def filter_params(app, filters: list[tuple[str, str, str]]) -> dict[str, str]:
    """URL parameters for the baseline's filters: [(column, filter class name, value)], e.g.
    [("status", "FilterInList", "new,open,waiting")]. Flask-Admin numbers them `flt<position>_<index>`."""
    (admin,) = [candidate for candidate in app.extensions["admin"] if candidate.url == "/console"]
    (view,) = [view for view in admin._views if view.endpoint == BASELINE_ENDPOINT]
    params = {}
    for position, (column, kind, value) in enumerate(filters):
        index, flt = next((index, flt) for index, flt in enumerate(view._filters)
                          if type(flt).__name__ == kind and flt.column.key == column)
        params[f"flt{position}_{view.get_filter_arg(index, flt)}"] = value
    return params
