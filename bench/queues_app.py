"""The app as bench/queues.py serves it: the real console plus a default Flask-Admin ModelView of Ticket.

`gunicorn 'bench.queues_app:create_bench_app()'` serves it (settings from BACKOFFICE_* variables). The baseline
view exists only here: what Flask-Admin does out of the box (COUNT(*) pager, `ILIKE '%term%'` search over
the searchable columns, generated filters), behind the same staff guard so one signed-in session measures both.
"""

from __future__ import annotations

from flask_admin.contrib.sqla import ModelView

from backoffice import create_app
from backoffice.console.access import ALL_STAFF, RoleGuard
from backoffice.extensions import db
from backoffice.models import Ticket
from bench import baseline
from bench.baseline import BaselineFilterConverter, console_admin

BASELINE_ENDPOINT = "baseline_tickets"
BASELINE_URL = "/console/baseline-tickets"


class BaselineTicketView(RoleGuard, ModelView):
    """A default ModelView; only the role guard, searchable columns and filter columns are set."""

    read_roles = ALL_STAFF
    column_searchable_list = ["number", "subject", "description"]
    column_filters = ["status", "priority", "request_type_id", "assignee_id", "created_at"]
    filter_converter = BaselineFilterConverter()


def create_bench_app(config: dict | None = None):
    app = create_app(config)
    console_admin(app).add_view(BaselineTicketView(Ticket, db, name="Baseline tickets", endpoint=BASELINE_ENDPOINT,
                                                   url=BASELINE_URL))
    return app


def filter_params(app, filters: list[tuple[str, str, str]]) -> dict[str, str]:
    """URL parameters for the baseline's filters: [(column, filter class name, value)], e.g.
    [("status", "FilterInList", "new,open,waiting")]."""
    return baseline.filter_params(app, BASELINE_ENDPOINT, [
        (column, lambda flt, kind=kind: type(flt).__name__ == kind, value) for column, kind, value in filters])
