"""Samples: the list (search by any hash or file name), the sample page (hashes, type, archive links, YARA
matches, every submission and its sender, verdict history), and the analysts' actions: verdict, re-scan, and
download as an `infected` AES zip. Support reads; only analysts and admins act or download."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from markupsafe import Markup

from backoffice.console.access import ALL_STAFF, StaffModelView, write_required
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.filters import date_range
from backoffice.console.lists import ScalableListMixin
from backoffice.extensions import db
from backoffice.models import ArchiveState, Sample, Verdict
from backoffice.models.viruslab import (
    ARCHIVE_STATE_LABELS,
    REQUEST_TYPE_LABELS,
    SCAN_STATUS_LABELS,
    STATE_LABELS,
    VERDICT_LABELS,
)
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.viruslab import download, queries
from backoffice.services.viruslab import submissions as submission_service

ANALYSTS = ("admin", "analyst")


def _sha_link(view, context, model, name):
    url = url_for(".sample_view", sample_id=model.id)
    return Markup('<a class="text-monospace" href="{}">{}</a>').format(url, model.sha256)


class SampleView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ALL_STAFF
    write_roles = ANALYSTS
    can_view_details = False  # the sample page below shows more than a details table

    search_placeholder_text = "MD5, SHA-1, SHA-256, SHA-512 or file name (exact)"
    search_condition = staticmethod(queries.sample_search)
    column_list = ["sha256", "size", "file_type", "archive_state", "verdict", "detection_name", "first_seen_at"]
    column_default_sort = ("id", True)
    column_sortable_list = ["first_seen_at"]
    column_labels = {"sha256": "SHA-256", "file_type": "Type", "archive_state": "Archive",
                     "detection_name": "Detection", "first_seen_at": "First seen"}
    column_formatters = {
        "sha256": _sha_link,
        "verdict": lambda v, c, m, n: VERDICT_LABELS.get(m.verdict, "") if m.verdict else "",
        "archive_state": lambda v, c, m, n: ARCHIVE_STATE_LABELS[ArchiveState(m.archive_state)],
    }
    column_filters = [
        filters.FilterEqual(Sample.verdict, "Verdict", options=[(v.value, VERDICT_LABELS[v]) for v in Verdict]),
        filters.FilterEqual(Sample.archive_state, "Archive",
                            options=[(s.value, ARCHIVE_STATE_LABELS[s]) for s in ArchiveState]),
        *date_range(Sample.first_seen_at, "First seen"),
    ]
    filter_form_fields = (
        FilterField("verdict", "Verdict", "select"),
        FilterField("archive", "Archive", "select"),
        FilterField("seen-from", "First seen on or after", "date"),
        FilterField("seen-to", "First seen on or before", "date"),
    )

    def _sample(self, sample_id: int) -> Sample:
        return db.session.get(Sample, sample_id) or abort(404)

    @expose("/<int:sample_id>/")
    def sample_view(self, sample_id: int):
        # the verdict form posts: what an analyst types (notes are internal) never travels in an address
        return self._sample_page(self._sample(sample_id), {})

    def _sample_page(self, sample, form_values, status: int = 200, errors: dict | None = None):
        overview = queries.sample_overview(sample)
        return self.render("console/viruslab/sample.html", o=overview, s=overview.sample, can_act=self.can_write(),
                           verdict_labels=VERDICT_LABELS, type_labels=REQUEST_TYPE_LABELS, verdicts=list(Verdict),
                           archive_labels=ARCHIVE_STATE_LABELS, scan_labels=SCAN_STATUS_LABELS,
                           state_labels=STATE_LABELS, form_values=form_values, errors=errors or {},
                           title=f"Sample {overview.sample.sha256[:16]}…"), status

    @expose("/<int:sample_id>/verdict", methods=["POST"])
    @write_required
    def verdict_view(self, sample_id: int):
        sample = self._sample(sample_id)
        form = request.form
        try:
            submission_service.set_verdict(request_actor(), sample, form.get("verdict", ""),
                                           form.get("detection_name"), form.get("notes"))
        except ServiceError as error:
            db.session.rollback()
            # the page again with what was typed, not a redirect carrying it, the message beside its field
            return self._sample_page(sample, form, 422, {error.field or "verdict": error.message})
        flash(f"Verdict set: {VERDICT_LABELS[Verdict(sample.verdict)]}.", "success")
        return redirect(url_for(".sample_view", sample_id=sample_id))

    @expose("/<int:sample_id>/rescan", methods=["POST"])
    @write_required
    def rescan_view(self, sample_id: int):
        submission_service.rescan(request_actor(), self._sample(sample_id))
        flash("Queued: a worker unpacks and scans the sample again with the current rules in a moment; "
              "reload this page to see the result.", "success")
        return redirect(url_for(".sample_view", sample_id=sample_id))

    @expose("/<int:sample_id>/download", methods=["POST"])
    @write_required
    def download_view(self, sample_id: int):
        archive, name = download.sample_zip(request_actor(), self._sample(sample_id))
        return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)
