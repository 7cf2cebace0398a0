"""The job queue (admins): what waits, runs and failed, with the last error; retry a failed job.

Mail and Virus Lab analyses have their own pages (the outbox, the request), which retry through the same queue;
this list is where an operator sees the whole queue and a job kind with no page of its own."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters

from backoffice.console.access import ADMIN, StaffModelView, write_required
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.lists import ScalableListMixin
from backoffice.extensions import db
from backoffice.models import Job, JobState
from backoffice.models.jobs import JOB_STATE_LABELS
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services import jobs as job_service
from backoffice.services.labels import JOB_KIND_LABELS, label, options


class JobView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ADMIN
    write_roles = ADMIN
    details_template = "console/job_details.html"

    search_placeholder_text = "Job kind, e.g. Send an e-mail"
    column_list = ["id", "kind", "state", "attempts", "run_after", "created_at", "finished_at", "last_error"]
    column_details_list = ["id", "kind", "state", "attempts", "run_after", "leased_until", "created_at",
                           "finished_at", "payload", "last_error"]
    column_default_sort = ("id", True)
    column_sortable_list = ["id"]
    column_labels = {"run_after": "Due", "created_at": "Queued", "finished_at": "Finished", "last_error": "Last error",
                     "leased_until": "Leased until"}
    column_formatters = {
        "state": lambda v, c, m, n: JOB_STATE_LABELS[JobState(m.state)],
        "last_error": lambda v, c, m, n: (m.last_error or "")[:160],
        "kind": lambda v, c, m, n: label(JOB_KIND_LABELS, m.kind),
    }
    column_formatters_detail = {**column_formatters, "last_error": lambda v, c, m, n: m.last_error or "—"}
    column_filters = [
        filters.FilterEqual(Job.state, "State", options=[(s.value, JOB_STATE_LABELS[s]) for s in JobState]),
        filters.FilterEqual(Job.kind, "Kind", options=options(JOB_KIND_LABELS)),
    ]
    filter_form_fields = (FilterField("state", "State", "select"), FilterField("kind", "Kind", "select"))

    @staticmethod
    def search_condition(term: str):
        """A kind by its label (what the list shows) or by its stored name."""
        wanted = term.strip()
        kinds = [kind for kind, text in JOB_KIND_LABELS.items() if text.lower() == wanted.lower()]
        return Job.kind.in_(kinds or [wanted])

    @expose("/retry/<int:job_id>", methods=["POST"])
    @write_required
    def retry_view(self, job_id: int):
        job = db.session.get(Job, job_id) or abort(404)
        try:
            job_service.retry(job, request_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"Job {job_id} is queued again.", "success")
        return redirect(url_for(".details_view", id=job_id))
