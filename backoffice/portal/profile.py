"""The customer's personal data (FAQ §06) and news subscription (FAQ §01)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from backoffice.portal import portal
from backoffice.portal.errors import show_error
from backoffice.portal.forms.profile import ProfileForm, SubscriptionForm
from backoffice.portal.guards import customer_required
from backoffice.security import current_customer, request_actor
from backoffice.services import ServiceError
from backoffice.services import profile as profile_service


@portal.route("/account/profile", methods=["GET", "POST"])
@customer_required
def profile():
    customer = current_customer()
    form = ProfileForm(obj=customer)
    if form.validate_on_submit():
        try:
            profile_service.update_profile(customer, form.profile_values(), request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            flash("Your profile is saved.", "success")
            return redirect(url_for("portal.profile"))
    elif not form.is_submitted() and customer.phone:
        form.phone.data = profile_service.display_phone(customer.phone)
    return render_template("portal/profile.html", form=form, customer=customer, title="Customer profile")


@portal.route("/account/subscriptions", methods=["GET", "POST"])
@customer_required
def subscriptions():
    customer = current_customer()
    form = SubscriptionForm(news=customer.news_subscribed)
    if form.validate_on_submit():
        profile_service.set_news_subscription(customer, form.news.data, request_actor())
        flash("You are subscribed to the news." if form.news.data else "You will no longer receive the news.",
              "success")
        return redirect(url_for("portal.subscriptions"))
    return render_template("portal/subscriptions.html", form=form, title="News subscription")
