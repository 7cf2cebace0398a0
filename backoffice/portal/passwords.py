"""Forgotten password (FAQ §05): a single-use reset link, the same answer for every address."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from backoffice.extensions import limiter
from backoffice.models import TokenPurpose
from backoffice.portal import portal
from backoffice.portal.errors import show_error
from backoffice.portal.forms.auth import ForgotPasswordForm, NewPasswordForm
from backoffice.security import request_actor, sign_out
from backoffice.services import ServiceError, passwords, tokens

RESET_SENT = ("If {email} belongs to an account, a message with a link to choose a new password is on its way. "
              "The link works once, for {hours} hour(s).")


def _mail_form_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


@portal.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_mail_form_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_reset(form.email.data, request_actor())
        flash(RESET_SENT.format(email=form.email.data.strip(),
                                hours=current_app.config["PASSWORD_RESET_TOKEN_HOURS"]), "info")
        return redirect(url_for("portal.login"))
    return render_template("portal/forgot_password.html", form=form, title="Forgot password")


@portal.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        tokens.find_valid(token, TokenPurpose.PASSWORD_RESET)
    except ServiceError as error:
        return render_template("portal/link_invalid.html", title="Link not valid", message=error.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            passwords.reset_password(token, form.password.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            sign_out()
            flash("Your password is changed and every session of your account was signed out. Sign in with the "
                  "new password.", "success")
            return redirect(url_for("portal.login"))
    return render_template("portal/new_password.html", form=form, title="Choose a new password",
                           heading="Choose a new password")
