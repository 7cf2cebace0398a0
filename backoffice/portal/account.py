"""Sign-in credentials (FAQ §07, §08): changing the e-mail address and the password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from backoffice.portal import portal
from backoffice.portal.errors import show_error
from backoffice.portal.forms.profile import EmailChangeForm, PasswordChangeForm
from backoffice.portal.guards import customer_required
from backoffice.security import CustomerIdentity, current_customer, request_actor, sign_in
from backoffice.services import ServiceError, email_change, passwords


@portal.route("/account/email", methods=["GET", "POST"])
@customer_required
def change_email():
    customer = current_customer()
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            email_change.request_change(customer, form.new_email.data, form.password.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            flash(f"We have sent a link to {form.new_email.data.strip()}. Your address changes when you open it; "
                  f"until then you sign in with {customer.email}.", "info")
            return redirect(url_for("portal.change_email"))
    return render_template("portal/change_email.html", form=form, customer=customer,
                           title="Change e-mail to enter My Account")


@portal.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """GET shows a button, POST confirms: a link fetched by a mail scanner must not do the change."""
    if request.method == "GET":
        return render_template("portal/confirm_email.html", title="Confirm your new address")
    try:
        email_change.confirm_change(token, request_actor())
    except ServiceError as error:
        return render_template("portal/link_invalid.html", title="Address not changed", message=error.message), 409
    flash("Your new address is confirmed: use it to sign in from now on.", "success")
    return redirect(url_for("portal.home"))


@portal.route("/account/password", methods=["GET", "POST"])
@customer_required
def change_password():
    customer = current_customer()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            passwords.change_password(customer, form.current_password.data, form.password.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            sign_in(CustomerIdentity(customer))  # this session carries the new epoch; every other one is out
            flash("Your new password is saved. Your other sessions were signed out.", "success")
            return redirect(url_for("portal.home"))
    return render_template("portal/change_password.html", form=form, title="Change password")
