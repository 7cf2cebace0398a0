"""The staff console at /console: Flask-Admin 2 on its Bootstrap 4 theme, every view role-guarded."""

from __future__ import annotations

from flask import Flask, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from backoffice.extensions import db
from backoffice.models import AuditEvent, Customer, OutboxMessage, StaffUser
from backoffice.web import csp_nonce


def init_console(app: Flask) -> Admin:
    from backoffice.console.audit import AuditLogView
    from backoffice.console.auth import console_auth
    from backoffice.console.customers import CustomerView
    from backoffice.console.dashboard import DashboardView
    from backoffice.console.outbox import OutboxView
    from backoffice.console.staff import StaffUserView

    app.register_blueprint(console_auth)
    admin = Admin(
        app,
        name="My Account console",
        url="/console",
        index_view=DashboardView(name="Dashboard", url="/console"),
        theme=Bootstrap4Theme(base_template="console/base.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(CustomerView(Customer, db, name="Customers", endpoint="customers"))
    from backoffice.console.courses import CourseView
    from backoffice.models import Course

    admin.add_view(CourseView(Course, db, name="Online courses", endpoint="courses"))
    from backoffice.console import licensing

    licensing.register(admin, db)
    admin.add_view(StaffUserView(StaffUser, db, name="Staff users", endpoint="staff", category="Admin"))
    admin.add_view(AuditLogView(AuditEvent, db, name="Audit log", endpoint="audit", category="Admin"))
    admin.add_view(OutboxView(OutboxMessage, db, name="Mail outbox", endpoint="outbox", category="Admin"))
    from backoffice.console.jobs import JobView
    from backoffice.models import Job

    admin.add_view(JobView(Job, db, name="Job queue", endpoint="jobs", category="Admin"))
    from backoffice.console.viruslab import add_viruslab_views

    add_viruslab_views(admin)
    from backoffice.console.support import add_support_views

    add_support_views(admin)
    from backoffice.console import list_table, profile, times

    profile.register(admin)
    from backoffice.console import api_tokens, webhooks

    api_tokens.register(admin)
    webhooks.register(admin)

    times.register(app)
    list_table.register(app)
    app.after_request(_page_language)
    return admin


def _page_language(response):
    """Flask-Admin's base template writes a bare `<html>` outside any block: say the console's pages are English,
    for screen readers and axe-core, as the portal's layout does."""
    if (request.path.startswith("/console") and response.mimetype == "text/html"
            and not response.direct_passthrough and not response.is_streamed):
        response.set_data(response.get_data().replace(b"<html>", b'<html lang="en">', 1))
    return response
