"""One Virus Lab request (FAQ §14) as its customer sees it: what was sent, the verdict, the conversation with the
lab, and a reply that may add files. Another customer's request answers 404, like one that does not exist."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from backoffice.models.viruslab import CUSTOMER_STATE_LABELS, REQUEST_TYPE_LABELS, VERDICT_LABELS
from backoffice.portal import portal
from backoffice.portal.forms.viruslab import LabReplyForm
from backoffice.portal.guards import customer_required
from backoffice.portal.support_errors import put_error
from backoffice.security import current_customer, request_actor
from backoffice.services import ServiceError
from backoffice.services.support import lab_link
from backoffice.services.viruslab import conversation, verdicts
from backoffice.services.viruslab import submissions as service


def _own_submission(number: str):
    return service.customer_submission(current_customer(), number) or abort(404)


def _render_request(submission, form: LabReplyForm | None = None, status: int = 200):
    return render_template(
        "portal/viruslab/request.html", submission=submission, type_labels=REQUEST_TYPE_LABELS,
        verdict_labels=VERDICT_LABELS, state_labels=CUSTOMER_STATE_LABELS,
        outcome=verdicts.request_verdict(submission), messages=conversation.thread(submission, include_notes=False),
        reply_form=form or LabReplyForm(formdata=None), limit=conversation.limit_text(),
        origin=lab_link.origin_of(submission),
        title=f"Virus Lab request {submission.number}",
    ), status


@portal.route("/viruslab/<number>")
@customer_required
def viruslab_request(number: str):
    return _render_request(_own_submission(number))


@portal.route("/viruslab/<number>/reply", methods=["POST"])
@customer_required
def viruslab_reply(number: str):
    submission = _own_submission(number)
    form = LabReplyForm()  # CSRFProtect has checked the token; the service checks the message and files
    try:
        message = conversation.customer_reply(submission, request_actor(), form.text(), form.uploads())
    except ServiceError as error:
        put_error(form, error.field, error.message)
        return _render_request(submission, form, 413 if isinstance(error, conversation.FilesTooLarge) else 422)
    flash("Your files were added to the request: the Virus Lab analyses them with the others." if message.files
          else "Your message was sent to the Virus Lab.", "success")
    return redirect(url_for("portal.viruslab_request", number=submission.number))
