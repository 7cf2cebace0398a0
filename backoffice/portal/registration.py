"""Registration and activation (FAQ §04)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from backoffice.extensions import limiter
from backoffice.portal import portal
from backoffice.portal.captcha import arm_captcha
from backoffice.portal.errors import show_error
from backoffice.portal.forms.profile import ActivationForm
from backoffice.portal.forms.registration import RegistrationForm
from backoffice.security import CustomerIdentity, current_customer, request_actor, sign_in
from backoffice.services import ServiceError, registration

REGISTERED_MESSAGE = ("Thank you. We have sent a message to {email}. Open the link in it within {days} days to "
                      "activate your account. No message? Check the spam folder, or register again to get a new one.")


def _mail_form_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


@portal.route("/register", methods=["GET", "POST"])
@limiter.limit(_mail_form_limit, methods=["POST"])
def register():
    if current_customer():
        return redirect(url_for("portal.home"))
    form = RegistrationForm()
    show_captcha = arm_captcha(form)
    if form.validate_on_submit():
        try:
            registration.register(form.email.data, form.password.data, form.terms.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            # the same page whether the address was new, pending or already registered
            return render_template("portal/registered.html", title="Check your mail", message=REGISTERED_MESSAGE.format(
                email=form.email.data.strip(), days=current_app.config["ACTIVATION_TOKEN_HOURS"] // 24))
    return render_template("portal/register.html", form=form, show_captcha=show_captcha, title="Register")


@portal.route("/terms")
def terms():
    return render_template("portal/terms.html", title="Terms of use and privacy notice")


@portal.route("/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    """The link in the activation mail leads to the §04 profile form; saving it activates the account.

    Opening the link changes nothing (mail scanners that fetch links must not spend it); the submitted form,
    confirmed with the registration password, spends it.
    """
    try:
        customer = registration.pending_customer_for(token)
    except ServiceError as error:
        return render_template("portal/link_invalid.html", title="Link not valid", message=error.message), 404
    form = ActivationForm()
    if form.validate_on_submit():
        try:
            customer = registration.activate(token, form.profile_values(), form.password.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            sign_in(CustomerIdentity(customer))
            flash("Your account is active. Welcome to My Account!", "success")
            return redirect(url_for("portal.home"))
    return render_template("portal/activate.html", form=form, email=customer.email, title="Activate your account")
