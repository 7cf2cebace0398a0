"""Requests to the Virus Lab (FAQ §14): the form, a review step, Submit; the customer's list of requests.
(One request's page and its conversation are in viruslab_conversation.py.)

The file is stored (content-addressed) as soon as it arrives, and only its hashes and name wait in the session
until Submit, so nothing is uploaded twice and nothing typed is lost between steps. The upload route checks the
declared body size before reading it, and the store counts the bytes it really gets.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for

from backoffice.inputs.body_limits import body_limit
from backoffice.models.viruslab import CUSTOMER_STATE_LABELS, REQUEST_TYPE_LABELS
from backoffice.portal import portal
from backoffice.portal.forms.viruslab import ViruslabRequestForm, ViruslabReviewForm
from backoffice.portal.guards import customer_required
from backoffice.security import current_customer, request_actor
from backoffice.services import ServiceError
from backoffice.services.viruslab import conversation, verdicts
from backoffice.services.viruslab import submissions as service
from backoffice.services.viruslab.names import clean_file_name
from backoffice.storage import BlobTooLarge, StoredBlob, store_stream
from backoffice.web import format_bytes

PENDING_KEY = "viruslab_pending_file"
FORM_OVERHEAD_BYTES = 256 * 1024  # room for the text fields and multipart framing around the file
UPLOAD_ENDPOINTS = {"portal.viruslab_new", "portal.viruslab_reply"}  # the reply adds files too


def _limit_text() -> str:
    return format_bytes(current_app.config["SAMPLE_MAX_BYTES"])


@body_limit(*UPLOAD_ENDPOINTS)
def sample_upload_limit() -> tuple[int, str]:
    return (current_app.config["SAMPLE_MAX_BYTES"] + FORM_OVERHEAD_BYTES,
            f"The file is larger than the limit of {_limit_text()}. Send a smaller file, or zip it.")


def _pending_file() -> dict | None:
    return session.get(PENDING_KEY)


def _store_upload(form: ViruslabRequestForm) -> str | None:
    """Store a newly chosen file and remember it for the next steps; returns the refusal if it is too big."""
    upload = form.sample.data
    if not upload or not upload.filename:
        return None
    try:
        blob = store_stream(upload.stream, max_bytes=current_app.config["SAMPLE_MAX_BYTES"])
    except BlobTooLarge:
        return f"The file is larger than the limit of {_limit_text()}."
    session[PENDING_KEY] = {**blob.__dict__, "file_name": clean_file_name(upload.filename)}
    return None


def _request_of(values, pending: dict | None) -> tuple[service.RequestForm, StoredBlob | None]:
    raw_date = values.get("last_update_date")
    day = raw_date if isinstance(raw_date, date) else _as_date(values)
    blob = StoredBlob(**{k: v for k, v in pending.items() if k != "file_name"}) if pending else None
    form = service.RequestForm(values.get("request_type") or "", values.get("description") or "",
                               values.get("product") or "", day, values.get("detection_seen") or None,
                               pending["file_name"] if pending else None)
    return form, blob


def _show_error(form, error: ServiceError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


def _render_form(form: ViruslabRequestForm, status: int = 200):
    return render_template("portal/viruslab/new.html", form=form, pending=_pending_file(),
                           limit=_limit_text(), title="New request to the Virus Lab"), status


@portal.route("/viruslab/new", methods=["GET", "POST"])
@customer_required
def viruslab_new():
    form = ViruslabRequestForm()
    if request.method == "GET":  # a new request starts without a file; only "Back to edit" keeps one
        session.pop(PENDING_KEY, None)
        return _render_form(form)
    too_large = _store_upload(form)  # keep the file even if another field needs fixing
    valid = form.validate()
    if too_large:
        form.sample.errors = [too_large]
        return _render_form(form, 413)
    if not valid:
        return _render_form(form, 422)
    values = {name: form[name].data for name in ViruslabReviewForm.VALUE_FIELDS}
    request_form, blob = _request_of(values, _pending_file())
    try:
        service.check_request(request_form, blob)
    except ServiceError as error:
        _show_error(form, error)
        return _render_form(form, 422)
    review = ViruslabReviewForm(formdata=None, data=values)
    return render_template("portal/viruslab/review.html", form=review, values=values, pending=_pending_file(),
                           type_label=REQUEST_TYPE_LABELS.get(values["request_type"]),
                           title="Check your request to the Virus Lab")


@portal.route("/viruslab/new/review", methods=["POST"])
@customer_required
def viruslab_submit():
    review = ViruslabReviewForm()
    if not review.validate():
        abort(400)
    values = {name: review[name].data for name in ViruslabReviewForm.VALUE_FIELDS}
    if review.edit.data:
        form = ViruslabRequestForm(formdata=None, data={**values, "last_update_date": _as_date(values)})
        return _render_form(form)
    request_form, blob = _request_of(values, _pending_file())
    try:
        submission = service.create_submission(request_actor(), current_customer(), request_form, blob)
    except ServiceError as error:
        form = ViruslabRequestForm(formdata=None, data={**values, "last_update_date": _as_date(values)})
        _show_error(form, error)
        return _render_form(form, 422)
    session.pop(PENDING_KEY, None)
    flash(f"Your request {submission.number} has been sent to the Virus Lab. A confirmation is on its way to "
          f"{submission.email}.", "success")
    return redirect(url_for("portal.viruslab_request", number=submission.number))


def _as_date(values) -> date | None:
    try:
        return date.fromisoformat(values.get("last_update_date") or "")
    except ValueError:
        return None


@portal.route("/viruslab")
@customer_required
def viruslab_requests():
    rows = service.customer_submissions(current_customer())
    return render_template("portal/viruslab/list.html", rows=rows, type_labels=REQUEST_TYPE_LABELS,
                           state_labels=CUSTOMER_STATE_LABELS, outcome_of=verdicts.request_verdict,
                           answers=conversation.latest_answers(rows), title="My requests to the Virus Lab")
