"""The app as bench/console_floor.py serves it: bench/console_app.py's (the real console plus the default
ModelView of Customer) plus the *floor*, a signed-in console route that renders nothing.

`gunicorn 'bench.floor_app:create_bench_app()'` serves it. The floor is a Flask-Admin view like every console
page, so it pays what they all pay before their own work: the session cookie, the staff loader (the signed-in
account and its server-side session), the role check of `RoleGuard.is_accessible` run by Flask-Admin's
`_handle_view`, and the app's after-request hooks. It then answers an empty 200: what a page costs above it is
that page's own work. It exists only here, never in the product.
"""

from __future__ import annotations

from flask_admin import expose

from backoffice.console.access import ALL_STAFF, StaffBaseView
from bench.baseline import console_admin
from bench.console_app import create_bench_app as create_baseline_app

FLOOR_URL = "/console/bench-floor/"


class FloorView(StaffBaseView):
    read_roles = ALL_STAFF

    @expose("/")
    def index(self):
        return ""


def create_bench_app(config: dict | None = None):
    app = create_baseline_app(config)
    console_admin(app).add_view(FloorView(name="Bench floor", endpoint="bench_floor", url=FLOOR_URL.rstrip("/")))
    return app
