"""The Virus Lab queue: customers' requests by type and state, filters by verdict, YARA rule, product and date,
search by request number, any hash or file name; claim, answer, add internal notes and close from the request's
page, which shows the whole conversation.

Analysts and admins read and write; support reads requests (and sample pages) but cannot download samples.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backoffice.console.access import ALL_STAFF, StaffModelView, write_required
from backoffice.console.confirm import confirm_page, confirmed
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.filters import CustomerEmailFilter, date_range
from backoffice.console.lab_claims import ClaimedBy, claimers
from backoffice.console.lists import ScalableListMixin
from backoffice.console.tickets import SUPPORT_ROLES
from backoffice.extensions import db
from backoffice.models import RequestType, Sample, Submission, SubmissionFile, SubmissionState, Verdict, YaraMatch
from backoffice.models.viruslab import ARCHIVE_STATE_LABELS, REQUEST_TYPE_LABELS, STATE_LABELS, VERDICT_LABELS
from backoffice.security import current_staff, request_actor
from backoffice.services import ServiceError
from backoffice.services.support import lab_link
from backoffice.services.viruslab import conversation, queries, verdicts
from backoffice.services.viruslab import submissions as service
from backoffice.services.viruslab.names import display_name

ANALYSTS = ("admin", "analyst")


class VerdictFilter(filters.BaseSQLAFilter):
    """Requests whose sample has this verdict (index on samples.verdict)."""

    def apply(self, query, value, alias=None):
        return query.filter(Submission.sample_id.in_(select(Sample.id).where(Sample.verdict == value)))

    def operation(self):
        return "is"


class YaraRuleFilter(filters.BaseSQLAFilter):
    """Requests whose sample matched this YARA rule (index on yara_matches.rule_name)."""

    def apply(self, query, value, alias=None):
        return query.filter(Submission.sample_id.in_(select(YaraMatch.sample_id).where(YaraMatch.rule_name == value)))

    def operation(self):
        return "matched"


def _sample_link(view, context, model, name):
    if model.sample is None:
        return ""
    url = url_for("samples.sample_view", sample_id=model.sample_id)
    return Markup('<a class="text-monospace" href="{}">{}…</a>').format(url, model.sample.sha256[:16])


def _verdict(view, context, model, name):
    return verdicts.request_verdict(model).label or ""


class SubmissionView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ALL_STAFF
    write_roles = ANALYSTS
    details_template = "console/viruslab/submission_details.html"

    search_placeholder_text = "Request number, MD5/SHA-1/SHA-256/SHA-512 or file name (exact)"
    search_condition = staticmethod(queries.submission_search)
    column_list = ["number", "created_at", "request_type", "state", "product", "file_name", "sample", "verdict",
                   "assignee"]
    column_details_list = ["number", "created_at", "state", "request_type", "description", "detection_seen",
                           "product", "last_update_date", "email", "customer", "file_name", "sample", "verdict",
                           "assignee", "analysed_at", "answered_at"]
    column_default_sort = ("id", True)
    column_sortable_list = ["created_at"]
    column_labels = {"created_at": "Received", "request_type": "Type", "detection_seen": "Detection seen by customer",
                     "last_update_date": "Last DB update", "file_name": "File name",
                     "email": "E-mail", "answered_at": "Answered", "analysed_at": "Analysed",
                     "verdict": "Overall verdict"}
    column_formatters = {
        "request_type": lambda v, c, m, n: REQUEST_TYPE_LABELS.get(m.request_type, m.request_type),
        "state": lambda v, c, m, n: STATE_LABELS[SubmissionState(m.state)],
        "sample": _sample_link,
        "verdict": _verdict,
        "assignee": lambda v, c, m, n: m.assignee.name if m.assignee else "",
        "file_name": lambda v, c, m, n: display_name(m.file_name),
    }
    column_filters = [
        filters.FilterEqual(Submission.request_type, "Type", options=[(t.value, REQUEST_TYPE_LABELS[t])
                                                                      for t in RequestType]),
        filters.FilterEqual(Submission.state, "State", options=[(s.value, STATE_LABELS[s]) for s in SubmissionState]),
        VerdictFilter(Submission.sample_id, "Verdict", options=[(v.value, VERDICT_LABELS[v]) for v in Verdict]),
        YaraRuleFilter(Submission.sample_id, "YARA rule"),
        filters.FilterEqual(Submission.product, "Product"),
        *date_range(Submission.created_at, "Received"),
        CustomerEmailFilter(Submission.customer_id, "Customer's e-mail",
                            rows_of=lambda customers: Submission.customer_id.in_(customers)),
        ClaimedBy(Submission.assignee_id, "Claimed by"),
    ]
    filter_form_fields = (
        FilterField("type", "Type", "select"),
        FilterField("state", "State", "select"),
        FilterField("verdict", "Verdict", "select"),
        FilterField("yara-rule", "YARA rule"),
        FilterField("product", "Product"),
        FilterField("received-from", "Received on or after", "date"),
        FilterField("received-to", "Received on or before", "date"),
        FilterField("customer", "Customer's e-mail"),
        FilterField("claimed-by", "Claimed by (open requests)", "select", options=claimers),
    )

    def get_query(self):
        # each row shows its overall verdict, read from its files' samples: two queries a page, not two a row
        # (Flask-Admin already joins the sample and assignee columns)
        return super().get_query().options(selectinload(Submission.files).selectinload(SubmissionFile.sample))

    def _submission(self, submission_id: int) -> Submission:
        return db.session.get(Submission, submission_id) or abort(404)

    def _act(self, submission_id: int, action, success: str):
        submission = self._submission(submission_id)
        try:
            action(submission)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(success, "success")
        return redirect(url_for(".details_view", id=submission_id))

    @expose("/claim/<int:submission_id>", methods=["POST"])
    @write_required
    def claim_view(self, submission_id: int):
        return self._act(submission_id, lambda s: service.claim(request_actor(), s),
                         "The request is yours now and in analysis.")

    def _write(self, submission_id: int, field: str, action, success: str):
        """A reply or a note: done, or the page again with what was typed and the refusal beside its box."""
        submission = self._submission(submission_id)
        text = request.form.get(field, "")
        try:
            action(submission, text)
        except ServiceError as error:
            db.session.rollback()
            db.session.refresh(submission)
            page = self.render(self.details_template, model=submission, details_columns=self._details_columns,
                               get_value=self.get_detail_value, return_url=self.get_url(".index_view"),
                               typed={field: text}, errors={field: error.message})
            return page, 422
        flash(success, "success")
        return redirect(url_for(".details_view", id=submission_id))

    @expose("/reply/<int:submission_id>", methods=["POST"])
    @write_required
    def reply_view(self, submission_id: int):
        return self._write(submission_id, "reply", lambda s, text: service.reply(request_actor(), s, text),
                           "The answer is saved and mailed to the submitter.")

    @expose("/note/<int:submission_id>", methods=["POST"])
    @write_required
    def note_view(self, submission_id: int):
        return self._write(submission_id, "note",
                           lambda s, text: conversation.staff_reply(s, request_actor(), text, internal=True),
                           "The internal note is added; the submitter does not see it.")

    @expose("/retry-analysis/<int:submission_id>", methods=["POST"])
    @write_required
    def retry_analysis_view(self, submission_id: int):
        return self._act(submission_id, lambda s: service.retry_analysis(request_actor(), s),
                         "The analysis is queued again.")

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs["outcome"] = verdicts.request_verdict(kwargs["model"])
            kwargs["messages"] = conversation.thread(kwargs["model"], include_notes=True)
            kwargs["origin"] = lab_link.origin_of(kwargs["model"])  # the ticket file it was sent from, if any
            kwargs["may_open_tickets"] = current_staff().role in SUPPORT_ROLES
            kwargs.update(verdict_labels=VERDICT_LABELS, archive_labels=ARCHIVE_STATE_LABELS)
            kwargs.setdefault("typed", {})
            kwargs.setdefault("errors", {})
        return super().render(template, **kwargs)

    @expose("/close/<int:submission_id>", methods=["POST"])
    @write_required
    def close_view(self, submission_id: int):
        if not confirmed():
            submission = self._submission(submission_id)
            return confirm_page(self, f"Close {submission.number}?", "Close this request",
                                url_for(".details_view", id=submission_id),
                                detail="It leaves the queue of open requests.")
        return self._act(submission_id, lambda s: service.close(request_actor(), s), "The request is closed.")


def add_viruslab_views(admin) -> None:
    """The Virus Lab menu: requests queue, samples, YARA rules."""
    from backoffice.console.samples import SampleView
    from backoffice.console.yara import YaraRuleView
    from backoffice.models import YaraRule

    admin.add_view(SubmissionView(Submission, db, name="Requests", endpoint="viruslab", url="/console/viruslab",
                                  category="Virus Lab"))
    admin.add_view(SampleView(Sample, db, name="Samples", endpoint="samples", url="/console/samples",
                              category="Virus Lab"))
    admin.add_view(YaraRuleView(YaraRule, db, name="YARA rules", endpoint="yara", url="/console/yara",
                                category="Virus Lab"))
