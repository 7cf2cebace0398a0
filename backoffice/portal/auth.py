"""Signing in and out of the portal (FAQ §02): remember me, rate limits, the captcha after repeated failures."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from backoffice.extensions import limiter
from backoffice.inputs.text import text_problem
from backoffice.portal import portal
from backoffice.portal.captcha import arm_captcha
from backoffice.portal.forms.auth import LoginForm
from backoffice.portal.guards import safe_next
from backoffice.security import CustomerIdentity, current_customer, request_actor, sign_in, sign_out
from backoffice.services import ServiceError, customer_auth, login_throttle


def _per_ip_limit() -> str:
    return current_app.config["CUSTOMER_LOGIN_RATE_LIMIT"]


def _per_account_limit() -> str:
    return current_app.config["CUSTOMER_LOGIN_ACCOUNT_RATE_LIMIT"]


def _typed_email() -> str:
    """The e-mail typed, for the limits counted before the form is validated; text the form will refuse counts as
    no address (it would reach a query before the form's own message)."""
    email = request.form.get("email") or ""
    return "" if text_problem(email, max_length=254) else email.strip().lower()


def _typed_address() -> str:
    return "login-account:" + _typed_email()


@portal.route("/login", methods=["GET", "POST"])
@limiter.limit(_per_ip_limit, methods=["POST"])
@limiter.limit(_per_account_limit, key_func=_typed_address, methods=["POST"])
def login():
    if current_customer():
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    ip = request.remote_addr
    arm_captcha(form, login_throttle.captcha_required(ip, _typed_email()))
    if form.validate_on_submit():
        try:
            customer = customer_auth.authenticate(form.email.data, form.password.data, request_actor())
        except ServiceError as error:
            (form[error.field].errors if error.field else form.form_errors).append(error.message)
        else:
            sign_in(CustomerIdentity(customer), remember=form.remember.data)
            flash(f"Welcome back, {customer.name or customer.email}.", "success")
            return redirect(safe_next(request.args.get("next")))
    show_captcha = arm_captcha(form, login_throttle.captcha_required(ip, form.email.data))
    return render_template("portal/login.html", form=form, show_captcha=show_captcha, title="Sign in")


@portal.route("/logout", methods=["POST"])
def logout():
    customer = current_customer()
    if customer:
        customer_auth.record_logout(customer, request_actor())
    sign_out()
    flash("You have signed out.", "info")
    return redirect(url_for("portal.home"))
