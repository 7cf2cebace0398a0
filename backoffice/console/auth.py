"""The console's own sign-in and sign-out pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Length

from backoffice.extensions import limiter
from backoffice.inputs.forms import BoundedForm
from backoffice.security import StaffIdentity, current_staff, request_actor, sign_in, sign_out
from backoffice.services import ServiceError
from backoffice.services import staff as staff_service

console_auth = Blueprint("console_auth", __name__, url_prefix="/console")


class StaffLoginForm(BoundedForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in to the console")


def _staff_login_limit() -> str:
    return current_app.config["STAFF_LOGIN_RATE_LIMIT"]


@console_auth.route("/login", methods=["GET", "POST"])
@limiter.limit(_staff_login_limit, methods=["POST"])
def login():
    if current_staff():
        return redirect(url_for("admin.index"))
    form = StaffLoginForm()
    if form.validate_on_submit():
        try:
            staff = staff_service.authenticate(form.email.data, form.password.data, request_actor())
        except ServiceError as error:
            form.password.errors.append(error.message)
        else:
            sign_in(StaffIdentity(staff))
            flash(f"Signed in as {staff.name}.", "success")
            return redirect(_landing(request.args.get("next")))
    return render_template("console/login.html", form=form, title="Console sign-in")


@console_auth.route("/logout", methods=["POST"])
def logout():
    staff = current_staff()
    if staff:
        staff_service.record_logout(staff, request_actor())
    sign_out()
    flash("You have signed out of the console.", "info")
    return redirect(url_for("console_auth.login"))


def _landing(target: str | None) -> str:
    """Where a sign-in goes: the page that sent the person to sign in, when it is a console page their role may
    open; otherwise their role's dashboard (a link to the staff list shared with an engineer ends on the
    engineer's dashboard, not on "403 Forbidden")."""
    target = _safe_next(target)
    try:
        endpoint, _arguments = current_app.url_map.bind("").match(urlsplit(target).path, method="GET")
    except HTTPException:  # not a page (or only with a trailing slash added): the dashboard
        return url_for("admin.index")
    views = (view for admin in current_app.extensions.get("admin", []) for view in admin._views)
    view = next((view for view in views if endpoint.startswith(f"{view.endpoint}.")), None)
    return target if view is None or view.is_accessible() else url_for("admin.index")


def _safe_next(target: str | None) -> str:
    """Only same-site console paths; anything else (an open redirect) goes to the dashboard."""
    # Browsers read a backslash as a slash ("/\\evil.example" is another host) and a control character in a
    # Location header is an injection; refuse both outright.
    if target and not any(char == "\\" or ord(char) < 32 or ord(char) == 127 for char in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/console"):
            return target
    return url_for("admin.index")
