"""Your requests (FAQ §13): the list, one request's public thread, reply/attach, close, reopen, rating, and the
attachments as downloads. Another customer's request or file answers 404, like one that does not exist."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for

from backoffice.portal import portal
from backoffice.portal.forms.support import RatingForm, ReplyForm
from backoffice.portal.guards import customer_required
from backoffice.portal.support_errors import put_error
from backoffice.security import current_customer, request_actor
from backoffice.services import ServiceError
from backoffice.services.support import access, correspondence, lab_link, ratings, workflow
from backoffice.services.support.attachments import limits_text
from backoffice.services.support.ftp import ftp_password
from backoffice.storage import BlobNotFound, open_blob


def _own_ticket(number: str):
    try:
        return access.customer_ticket(current_customer().id, number)
    except access.NotFound:
        abort(404)


@portal.route("/support/")
@customer_required
def support_requests():
    tickets = correspondence.customer_requests(current_customer().id)
    return render_template("portal/support/requests.html", tickets=tickets, labels=workflow.LABELS,
                           title="Your requests")


def _render_request(ticket, reply_form=None, rating_form=None, status: int = 200):
    from flask import current_app

    rating = ratings.rating_of(ticket)
    messages = correspondence.thread(ticket, include_notes=False)
    ftp_files = correspondence.loose_attachments(ticket)
    files = [a for m in messages for a in m.attachments] + ftp_files
    lab = lab_link.lab_results(files)
    if rating_form is None:
        rating_form = RatingForm(formdata=None, data={"score": rating.score, "comment": rating.comment}
                                 if rating else None)
    return render_template(
        "portal/support/request.html", ticket=ticket, labels=workflow.LABELS,
        messages=messages, ftp_files=ftp_files, lab_files=[(a, lab[a.id]) for a in files if a.id in lab],
        reply_form=reply_form or ReplyForm(formdata=None),
        rating_form=rating_form, rating=rating, may_rate=ratings.may_rate(ticket),
        may_reopen=workflow.customer_may_reopen(ticket), reopen_deadline=workflow.reopen_deadline(ticket),
        ftp_url=current_app.config["FTP_PUBLIC_URL"], ftp_password=ftp_password(ticket), limits=limits_text(),
        title=f"Request {ticket.number}",
    ), status


@portal.route("/support/requests/<number>")
@customer_required
def support_request(number: str):
    ticket = _own_ticket(number)
    if ticket.number != number:  # a merged request: its number leads to the one it joined
        flash(f"Request {number} was joined with request {ticket.number}; the whole thread is here.", "info")
        return redirect(url_for("portal.support_request", number=ticket.number))
    return _render_request(ticket)


@portal.route("/support/requests/<number>/reply", methods=["POST"])
@customer_required
def support_reply(number: str):
    ticket = _own_ticket(number)
    form = ReplyForm()
    try:
        correspondence.customer_reply(ticket, request_actor(), form.body.data, form.files.data or [])
    except ServiceError as error:
        put_error(form, error.field, error.message)
        return _render_request(ticket, reply_form=form, status=422)
    flash("Your message was added to the request.", "success")
    return redirect(url_for("portal.support_request", number=ticket.number))


@portal.route("/support/requests/<number>/close", methods=["POST"])
@customer_required
def support_close(number: str):
    ticket = _own_ticket(number)
    correspondence.customer_close(ticket, request_actor())
    flash(f"Request {ticket.number} is closed. You can reopen it for a while if you need to.", "success")
    return redirect(url_for("portal.support_request", number=ticket.number))


@portal.route("/support/requests/<number>/reopen", methods=["POST"])
@customer_required
def support_reopen(number: str):
    ticket = _own_ticket(number)
    try:
        correspondence.customer_reopen(ticket, request_actor())
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(f"Request {ticket.number} is open again.", "success")
    return redirect(url_for("portal.support_request", number=ticket.number))


@portal.route("/support/requests/<number>/rate", methods=["POST"])
@customer_required
def support_rate(number: str):
    ticket = _own_ticket(number)
    form = RatingForm()
    try:
        ratings.rate(ticket, form.score.data or "", form.comment.data, request_actor())
    except ServiceError as error:
        put_error(form, error.field, error.message)
        return _render_request(ticket, rating_form=form, status=422)
    flash("Thank you for rating the answer.", "success")
    return redirect(url_for("portal.support_request", number=ticket.number))


@portal.route("/support/rate/<token>", methods=["GET", "POST"])
def support_rate_link(token: str):
    """The link in the "resolved" mail: no sign-in needed, the signed token names the request."""
    try:
        ticket = ratings.ticket_from_token(token)
    except access.NotFound:
        abort(404)
    form = RatingForm(data={"score": request.args.get("score")})
    status = 200
    if request.method == "POST":
        try:
            ratings.rate(ticket, form.score.data or "", form.comment.data, request_actor())
        except ServiceError as error:
            put_error(form, error.field, error.message)
            status = 422
        else:
            return render_template("portal/support/rated.html", ticket=ticket, title="Thank you")
    return render_template("portal/support/rate.html", ticket=ticket, form=form, may_rate=ratings.may_rate(ticket),
                           title=f"Rate the answer to request {ticket.number}"), status


@portal.route("/support/requests/<number>/files/<int:attachment_id>")
@customer_required
def support_attachment(number: str, attachment_id: int):
    try:
        attachment = access.customer_attachment(current_customer().id, number, attachment_id)
        stream = open_blob(attachment.sha256)
    except (access.NotFound, BlobNotFound):
        abort(404)
    return send_file(stream, mimetype="application/octet-stream", as_attachment=True,
                     download_name=attachment.filename, max_age=0)
