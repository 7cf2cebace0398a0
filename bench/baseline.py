"""A default Flask-Admin ModelView added to the console: the baseline the console's own lists are measured
against. It exists only in the benchmark apps, never in the product, behind the same staff guard so one
signed-in session measures both."""

from __future__ import annotations

from collections.abc import Callable

from flask_admin import Admin
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.model.filters import convert


class BaselineFilterConverter(FilterConverter):
    """Flask-Admin picks filters by the column type's class name; ours wraps DateTime as UTCDateTime."""

    @convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


def console_admin(app) -> Admin:
    """The Admin instance init_console() attached to `app` (Flask-Admin keeps them in app.extensions)."""
    (admin,) = [candidate for candidate in app.extensions["admin"] if candidate.url == "/console"]
    return admin


def filter_params(app, endpoint: str, filters: list[tuple[str, Callable, str]]) -> dict[str, str]:
    """URL parameters that filter the list of `endpoint`: [(column, which filter, value)], where `which filter`
    picks one of the column's filters, e.g. lambda flt: isinstance(flt, FilterEqual).

    Flask-Admin numbers its filters (`flt<position>_<filter index>`); the index differs between views.
    """
    (view,) = [view for view in console_admin(app)._views if view.endpoint == endpoint]
    params = {}
    for position, (column, which, value) in enumerate(filters):
        index, flt = next((index, flt) for index, flt in enumerate(view._filters)
                          if which(flt) and flt.column.key == column)
        params[f"flt{position}_{view.get_filter_arg(index, flt)}"] = value
    return params
