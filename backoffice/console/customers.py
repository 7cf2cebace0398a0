"""Customers: one search box for e-mail, name, code or request number, filters that hold at millions of rows,
the customer page (customer_page.py), audited edits."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from wtforms import BooleanField, EmailField
from wtforms.validators import Email, Length, Optional

from backoffice.console.access import ADMIN, ALL_STAFF, StaffModelView, refuse, write_required
from backoffice.console.confirm import confirm_page, confirmed
from backoffice.console.customer_forms import CONFIRMATIONS
from backoffice.console.customer_page import CustomerPageMixin
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.filters import date_range
from backoffice.console.lists import ScalableListMixin
from backoffice.extensions import db
from backoffice.models import Customer
from backoffice.security import request_actor
from backoffice.services import ServiceError, customer_lookup, customer_security, registration
from backoffice.services import customers as customer_service
from backoffice.services.labels import CUSTOMER_STATUS_LABELS, label, options

# The status and security actions on the detail page: (endpoint suffix, service call, message when done).
SECURITY_ACTIONS = {
    "resend-activation": (registration.resend_activation, "A new activation link was sent to {email}."),
    "lock": (customer_security.lock, "{email} is locked and signed out everywhere."),
    "unlock": (customer_security.unlock, "{email} is unlocked."),
    "force-password-reset": (customer_security.force_password_reset,
                             "The password of {email} no longer works; a link to choose a new one was mailed."),
}


class CountryEqual(filters.FilterEqual):
    """Countries are stored as upper-case ISO codes; "de" finds them too."""

    def clean(self, value):
        return value.strip().upper()


class CustomerView(CustomerPageMixin, PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ALL_STAFF
    write_roles = ADMIN + ("support",)
    allow_edit = True

    search_placeholder_text = "E-mail, name, activation code, or request number (TS-… or VL-…)"
    column_list = ["id", "email", "name", "country", "status", "created_at", "last_login_at"]
    column_default_sort = ("id", True)
    column_sortable_list = ["id", "created_at"]
    column_labels = {"created_at": "Registered", "last_login_at": "Last sign-in", "news_subscribed": "News",
                     "terms_accepted_at": "Terms accepted", "activated_at": "Activated",
                     "failed_logins": "Failed sign-ins since the last success",
                     "pending_email": "New e-mail (unconfirmed)"}
    column_formatters = {"status": lambda v, c, m, n: label(CUSTOMER_STATUS_LABELS, m.status)}
    form_columns = customer_service.EDITABLE_FIELDS
    form_overrides = {"company_admin_email": EmailField, "news_subscribed": BooleanField}
    form_args = {
        "name": {"validators": [Optional(), Length(max=120)]},
        "country": {"label": "Country (ISO code)", "validators": [Optional(), Length(min=2, max=2)]},
        "company_admin_email": {"validators": [Optional(), Email()]},
    }

    column_filters = [
        filters.FilterEqual(Customer.status, "Status", options=options(CUSTOMER_STATUS_LABELS)),
        CountryEqual(Customer.country, "Country (ISO code)"),
        *date_range(Customer.created_at, "Registered"),
    ]
    filter_form_fields = (
        FilterField("status", "Status", "select"),
        FilterField("country", "Country (ISO code)"),
        FilterField("registered-from", "Registered on or after", "date"),
        FilterField("registered-to", "Registered on or before", "date"),
    )

    @expose("/<int:customer_id>/security/<action>", methods=["POST"])
    @write_required
    def security_action(self, customer_id: int, action: str):
        customer = db.session.get(Customer, customer_id) or abort(404)
        service, done = SECURITY_ACTIONS.get(action) or abort(404)
        if action in CONFIRMATIONS and not confirmed():
            question, button = CONFIRMATIONS[action]
            return confirm_page(self, question.format(email=customer.email), button,
                                url_for(".details_view", id=customer_id))
        try:
            service(customer, request_actor())
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(done.format(email=customer.email), "success")
        return redirect(url_for(".details_view", id=customer_id))

    @staticmethod
    def search_condition(term: str):
        found = customer_lookup.lookup(term)
        g.customer_lookup_kind = found.kind  # read by search_order_key, which Flask-Admin calls next
        return found.condition

    @staticmethod
    def search_order_key():
        # only the fragment search has the FTS index whose rowid orders it; a code or a number finds a few rows
        return customer_service.search_order_key() if g.get("customer_lookup_kind") == "text" else None

    def update_model(self, form, model):
        values = {name: _blank_to_none(form[name].data) for name in self.form_columns}
        if values.get("country"):
            values["country"] = values["country"].upper()
        try:
            customer_service.update_customer(model, values, request_actor())
        except ServiceError as error:
            return refuse(form, error)
        return True


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value

