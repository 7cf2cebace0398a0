"""The blacklist: every entry ever made (in force or lifted), add one or many codes with a reason, lift an
entry with a note, import from CSV. Admins write; support reads."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from sqlalchemy import select

from backoffice.console.access import StaffModelView, write_required
from backoffice.console.confirm import confirm_page, confirmed
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.licensing import LICENSING_READ, LICENSING_WRITE
from backoffice.console.licensing.bulk import SHOWN_ERRORS
from backoffice.console.licensing.forms import BlacklistAddForm, LiftForm, UploadForm
from backoffice.console.licensing.uploads import uploaded_lines
from backoffice.console.lists import ScalableListMixin
from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.labels import label, options, plural
from backoffice.services.licensing import blacklist as blacklist_service
from backoffice.services.licensing.blacklist import REASON_LABELS
from backoffice.services.licensing.search import code_search_condition


class InForceFilter(filters.BaseSQLAFilter):
    def apply(self, query, value, alias=None):
        lifted = BlacklistEntry.lifted_at
        return query.filter(lifted.is_(None) if value == "yes" else lifted.is_not(None))

    def operation(self):
        return "is"


class BlacklistView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = LICENSING_READ
    write_roles = LICENSING_WRITE
    details_template = "console/licensing/blacklist_details.html"
    list_template = "console/licensing/blacklist_list.html"

    search_placeholder_text = "Code or its first 4+ characters"
    column_list = ["code", "reason", "note", "created_by_label", "created_at", "lifted_at", "lifted_by_label"]
    column_details_list = ["code", "reason", "note", "created_by_label", "created_at", "lifted_at",
                           "lifted_by_label", "lift_note"]
    column_default_sort = ("id", True)
    column_sortable_list = ["created_at"]
    column_labels = {"created_by_label": "By", "created_at": "When", "lifted_at": "Lifted",
                     "lifted_by_label": "Lifted by", "lift_note": "Why lifted"}
    column_formatters = {"reason": lambda v, c, m, n: label(REASON_LABELS, m.reason)}
    column_formatters_detail = column_formatters
    column_filters = [
        InForceFilter(BlacklistEntry.lifted_at, "In force", options=[("yes", "In force"), ("no", "Lifted")]),
        filters.FilterEqual(BlacklistEntry.reason, "Reason", options=options(REASON_LABELS)),
    ]
    filter_form_fields = (FilterField("in-force", "In force", "select"), FilterField("reason", "Reason", "select"))

    @staticmethod
    def search_condition(term: str):
        return BlacklistEntry.code_id.in_(select(ActivationCode.id).where(code_search_condition(term)))

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.setdefault("lift_form", LiftForm(prefix="lift"))
            kwargs.setdefault("title", f"Blacklist entry for {kwargs['model'].code.code}")
        return super().render(template, **kwargs)

    @expose("/<int:entry_id>/lift", methods=["POST"])
    @write_required
    def lift_view(self, entry_id: int):
        entry = db.session.get(BlacklistEntry, entry_id) or abort(404)
        form = LiftForm(prefix="lift")
        if form.validate():
            try:
                blacklist_service.lift_entry(entry.id, form.note.data, request_actor())
            except ServiceError as error:
                form.note.errors = [error.message]
            else:
                flash(f"The blacklist entry of {entry.code.code} is lifted.", "success")
                return redirect(url_for(".details_view", id=entry.id))
        page = self.render(self.details_template, model=entry, details_columns=self._details_columns,
                           get_value=self.get_detail_value, return_url=self.get_url(".index_view"), lift_form=form)
        return page, 422

    @expose("/add", methods=["GET", "POST"])
    @write_required
    def add_view(self):
        form = BlacklistAddForm()
        report = None
        if form.validate_on_submit():
            lines = blacklist_service.lines_from_form(form.codes.data, form.reason.data, form.note.data)
            # bad lines are listed before anything is asked; only a list that would be written is confirmed
            report = blacklist_service.blacklist_codes(lines, request_actor(), dry_run=not confirmed())
            if report.ok and report.dry_run:
                count = plural(report.checked, "code")
                return confirm_page(self, f"Blacklist {count}?", f"Blacklist {count}", url_for(".index_view"),
                                    detail=f"Reason: {label(REASON_LABELS, form.reason.data)}. Every account "
                                           "holding one of them sees it marked.")
            if report.ok:
                flash(f"{plural(report.written, 'code')} blacklisted; their holders see them marked.", "success")
                return redirect(url_for(".index_view"))
        status = 422 if form.is_submitted() else 200
        return self.render("console/licensing/blacklist_add.html", form=form, report=report, shown=SHOWN_ERRORS,
                           title="Blacklist activation codes"), status

    @expose("/import", methods=["GET", "POST"])
    @write_required
    def import_view(self):
        form = UploadForm()
        report = None
        if form.validate_on_submit():
            try:
                lines = blacklist_service.lines_from_csv(uploaded_lines(form.file.data))
                report = blacklist_service.blacklist_codes(lines, request_actor(), dry_run=form.dry_run.data)
            except (ServiceError, UnicodeDecodeError) as error:
                db.session.rollback()
                form.file.errors = [error.message if isinstance(error, ServiceError) else "The file is not UTF-8 text."]
        status = 422 if form.is_submitted() and (report is None or not report.ok) else 200
        return self.render("console/licensing/import.html", form=form, report=report, shown=SHOWN_ERRORS,
                           header=",".join(blacklist_service.BLACKLIST_CSV_HEADER), kind="blacklist",
                           reasons=options(REASON_LABELS),
                           title="Import blacklist entries"), status
