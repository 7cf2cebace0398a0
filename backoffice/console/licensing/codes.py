"""Activation codes: index-backed search by code or prefix in any shape, filters by product, state and expiry,
a detail page with holders and history, and audited actions as plain POST forms on that page."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.console.access import StaffModelView, staff_role, write_required
from backoffice.console.confirm import confirm_page, confirmed
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.filters import CustomerEmailFilter, date_range
from backoffice.console.licensing import LICENSING_READ, LICENSING_WRITE, TRANSFER_GRANT
from backoffice.console.licensing.bulk import CodeBulkMixin
from backoffice.console.licensing.forms import BlacklistCodeForm, ExpiryForm, SeatsForm
from backoffice.console.lists import ScalableListMixin
from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, CodeState, Product
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.labels import label, plural
from backoffice.services.licensing import manage
from backoffice.services.licensing.blacklist import REASON_LABELS, BlacklistLine, blacklist_codes
from backoffice.services.licensing.detail import code_detail
from backoffice.services.licensing.search import code_search_condition
from backoffice.services.licensing.states import state_condition

STATE_LABELS = [(CodeState.VALID.value, "Valid"), (CodeState.NOT_YET_VALID.value, "Not yet valid"),
                (CodeState.EXPIRED.value, "Expired"), (CodeState.BLACKLISTED.value, "Blacklisted")]


def product_options():
    return [(str(id_), name) for id_, name in db.session.execute(select(Product.id, Product.name)
                                                                  .order_by(Product.name))]


class StateFilter(filters.BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        return query.filter(state_condition(value, utcnow()))

    def operation(self):
        return "is"


def held_by(customers):
    """Codes these customers hold now (code_registrations by customer, then the code's primary key)."""
    return ActivationCode.id.in_(select(CodeRegistration.code_id).where(
        CodeRegistration.customer_id.in_(customers), CodeRegistration.removed_at.is_(None)))


def end_of_day(day) -> datetime:
    return datetime.combine(day, time(23, 59, 59), UTC)


class ActivationCodeView(PlainFilterFormMixin, CodeBulkMixin, ScalableListMixin, StaffModelView):
    read_roles = LICENSING_READ
    write_roles = LICENSING_WRITE
    details_template = "console/licensing/code_details.html"
    list_template = "console/licensing/code_list.html"

    search_placeholder_text = "Code or its first 4+ characters, any shape"
    search_in_filter_form = True  # the "Code" field of the filter form (templates/console/licensing/code_list.html)
    search_condition = staticmethod(code_search_condition)
    column_list = ["code", "product", "seats", "seats_taken", "valid_from", "expires_at"]
    column_details_list = ["code", "product", "seats", "seats_taken", "valid_from", "expires_at",
                           "extra_transfers", "created_at"]
    column_default_sort = ("id", True)
    column_sortable_list = ["code", "expires_at"]
    column_labels = {"seats_taken": "Held by", "valid_from": "Valid from", "expires_at": "Expires",
                     "extra_transfers": "Granted extra transfers", "created_at": "Created"}
    column_filters = [
        filters.IntEqualFilter(ActivationCode.product_id, "Product"),  # the page lists the products itself
        StateFilter(ActivationCode.id, "State", options=STATE_LABELS),
        *date_range(ActivationCode.expires_at, "Expires"),
        CustomerEmailFilter(ActivationCode.id, "Held by (e-mail)", rows_of=held_by),
    ]
    filter_form_fields = (
        FilterField("product", "Product", "select", options=product_options),
        FilterField("state", "State", "select"),
        FilterField("from", "Expires from", "date"),
        FilterField("to", "Expires to", "date"),
        FilterField("holder", "Held by (e-mail)"),
    )

    def can_grant_transfer(self) -> bool:
        return staff_role() in TRANSFER_GRANT

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.setdefault("detail", code_detail(kwargs["model"]))
            kwargs.setdefault("seats_form", SeatsForm(prefix="seats", seats=kwargs["model"].seats))
            kwargs.setdefault("expiry_form", ExpiryForm(prefix="expiry"))
            kwargs.setdefault("blacklist_form", BlacklistCodeForm(prefix="blacklist"))
            kwargs.setdefault("reason_labels", REASON_LABELS)
            kwargs.setdefault("title", f"Activation code {kwargs['model'].code}")
        return super().render(template, **kwargs)

    def _details_again(self, code: ActivationCode, **forms):
        """The detail page with a form's errors and typed values, after a refused action."""
        db.session.refresh(code)
        page = self.render(self.details_template, model=code, details_columns=self._details_columns,
                           get_value=self.get_detail_value, return_url=self.get_url(".index_view"), **forms)
        return page, 422

    def _code(self, code_id: int) -> ActivationCode:
        return db.session.get(ActivationCode, code_id) or abort(404)

    def _done(self, code: ActivationCode, message: str):
        flash(message, "success")
        return redirect(url_for(".details_view", id=code.id))

    @expose("/<int:code_id>/seats", methods=["POST"])
    @write_required
    def change_seats_view(self, code_id: int):
        code, form = self._code(code_id), SeatsForm(prefix="seats")
        if form.validate():
            try:
                manage.change_seats(code.id, form.seats.data, request_actor())
                return self._done(code, f"{code.code} now has {plural(form.seats.data, 'seat')}.")
            except ServiceError as error:
                form.seats.errors = [error.message]
        return self._details_again(code, seats_form=form)

    @expose("/<int:code_id>/expiry", methods=["POST"])
    @write_required
    def extend_expiry_view(self, code_id: int):
        code, form = self._code(code_id), ExpiryForm(prefix="expiry")
        if form.validate():
            try:
                manage.extend_expiry(code.id, end_of_day(form.expires_on.data), request_actor())
                return self._done(code, f"{code.code} now expires at the end of {form.expires_on.data} (UTC).")
            except ServiceError as error:
                form.expires_on.errors = [error.message]
        return self._details_again(code, expiry_form=form)

    @expose("/<int:code_id>/blacklist", methods=["POST"])
    @write_required
    def blacklist_view(self, code_id: int):
        code, form = self._code(code_id), BlacklistCodeForm(prefix="blacklist")
        if form.validate():
            line = BlacklistLine(1, code.code, form.reason.data, (form.note.data or "").strip() or None)
            # a refusal (e.g. "other" without a note) comes back beside its field before anything is asked
            report = blacklist_codes([line], request_actor(), dry_run=not confirmed())
            if report.ok and report.dry_run:
                return confirm_page(self, f"Blacklist {code.code}?", "Blacklist this code",
                                    url_for(".details_view", id=code.id),
                                    detail=f"Reason: {label(REASON_LABELS, form.reason.data)}. Every account "
                                           "holding it sees it marked, and it can no longer be added.")
            if report.ok:
                return self._done(code, f"{code.code} is blacklisted; its holders see it marked.")
            form.note.errors = [error.reason for error in report.errors]
        return self._details_again(code, blacklist_form=form)

    @expose("/<int:code_id>/grant-transfer", methods=["POST"])
    def grant_transfer_view(self, code_id: int):
        if not self.can_grant_transfer():
            abort(403)
        code = self._code(code_id)
        manage.grant_transfer(code.id, request_actor())
        return self._done(code, f"{code.code} may move to another account once more, beyond the cap.")
