"""The app as the benchmark serves it: the real console plus a default Flask-Admin view of Customer.

`gunicorn 'bench.console_app:create_bench_app()'` serves it (settings from BACKOFFICE_* variables).
The baseline view exists only here, never in the product: it is what Flask-Admin does out of the box
(a COUNT(*) pager, `CAST(col AS VARCHAR) ILIKE '%term%'` search, generated filters), behind the same
staff login so one signed-in session measures both.
"""

from __future__ import annotations

from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterEqual

from backoffice import create_app
from backoffice.console.access import ALL_STAFF, RoleGuard
from backoffice.extensions import db
from backoffice.models import Customer
from bench.baseline import BaselineFilterConverter, console_admin, filter_params

BASELINE_ENDPOINT = "baseline_customers"
BASELINE_URL = "/console/baseline-customers"


class BaselineCustomerView(RoleGuard, ModelView):
    """A default ModelView; only the role guard and the searchable/filter columns are set."""

    read_roles = ALL_STAFF
    column_searchable_list = ["email", "name"]
    column_filters = ["status", "country", "created_at"]
    filter_converter = BaselineFilterConverter()


def create_bench_app(config: dict | None = None):
    app = create_app(config)
    console_admin(app).add_view(
        BaselineCustomerView(Customer, db, name="Baseline customers", endpoint=BASELINE_ENDPOINT, url=BASELINE_URL)
    )
    return app


def equal_filter_params(app, endpoint: str, values: dict[str, str]) -> dict[str, str]:
    """URL parameters that filter the list of `endpoint` by column == value, e.g. {"status": "locked"}."""
    return filter_params(app, endpoint, [(column, _is_equal, value) for column, value in values.items()])


def _is_equal(flt) -> bool:
    return isinstance(flt, FilterEqual)
