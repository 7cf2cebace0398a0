"""The app as the benchmark serves it: the real console plus a default Flask-Admin view of Customer.

`gunicorn 'bench.console_app:create_bench_app()'` serves it (settings from BACKOFFICE_* variables).
The baseline view exists only here, never in the product: it is what Flask-Admin does out of the box
(a COUNT(*) pager, `CAST(col AS VARCHAR) ILIKE '%term%'` search, generated filters), behind the same
staff login so one signed-in session measures both.
"""

from __future__ import annotations

from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter, FilterEqual
from flask_admin.model.filters import convert

from backoffice import create_app
from backoffice.console.access import ALL_STAFF, RoleGuard
from backoffice.extensions import db
from backoffice.models import Customer

BASELINE_ENDPOINT = "baseline_customers"
BASELINE_URL = "/console/baseline-customers"


class BaselineFilterConverter(FilterConverter):
    """Flask-Admin picks filters by the column type's class name; ours wraps DateTime as UTCDateTime."""

    @convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


class BaselineCustomerView(RoleGuard, ModelView):
    """A default ModelView; only the role guard and the searchable/filter columns are set."""

    read_roles = ALL_STAFF
    column_searchable_list = ["email", "name"]
    column_filters = ["status", "country", "created_at"]
    filter_converter = BaselineFilterConverter()


def console_admin(app) -> Admin:
    """The Admin instance init_console() attached to `app` (Flask-Admin keeps them in app.extensions)."""
    (admin,) = [candidate for candidate in app.extensions["admin"] if candidate.url == "/console"]
    return admin


def create_bench_app(config: dict | None = None):
    app = create_app(config)
    console_admin(app).add_view(
        BaselineCustomerView(Customer, db, name="Baseline customers", endpoint=BASELINE_ENDPOINT, url=BASELINE_URL)
    )
    return app


def equal_filter_params(app, endpoint: str, values: dict[str, str]) -> dict[str, str]:
    """URL parameters that filter the list of `endpoint` by column == value, e.g. {"status": "locked"}.

    Flask-Admin numbers its filters (`flt<position>_<filter index>`); the index differs between views.
    """
    (view,) = [view for view in console_admin(app)._views if view.endpoint == endpoint]
    params = {}
    for position, (column, value) in enumerate(values.items()):
        index, flt = next((index, flt) for index, flt in enumerate(view._filters)
                          if isinstance(flt, FilterEqual) and flt.column.key == column)
        params[f"flt{position}_{view.get_filter_arg(index, flt)}"] = value
    return params
