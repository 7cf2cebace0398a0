"""Privacy: download my data (a zip prepared by a job) and close my account."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for

from backoffice.portal import portal
from backoffice.portal.errors import show_error
from backoffice.portal.forms.profile import CloseAccountForm
from backoffice.portal.guards import customer_required
from backoffice.security import current_customer, request_actor, sign_out
from backoffice.services import ServiceError, privacy_export
from backoffice.services import privacy as privacy_service
from backoffice.services.account_erasure import closing_mode
from backoffice.storage import BlobNotFound, open_blob


def _page(form: CloseAccountForm, status: int = 200):
    return render_template("portal/privacy.html", form=form, export=privacy_export.latest_export(
        current_customer().id), close_mode=closing_mode(), title="Your data and your account"), status


@portal.route("/account/privacy")
@customer_required
def privacy():
    return _page(CloseAccountForm())


@portal.route("/account/privacy/export", methods=["POST"])
@customer_required
def request_data_export():
    """POST (with the CSRF token): another site cannot make a customer's browser start one."""
    privacy_export.request_export(current_customer(), request_actor())
    flash("Your data download is being prepared. We will e-mail you when it is ready.", "info")
    return redirect(url_for("portal.privacy"))


@portal.route("/account/privacy/exports/<int:export_id>/my-account-data.zip")
@customer_required
def download_data_export(export_id: int):
    export = privacy_export.downloadable_export(current_customer().id, export_id) or abort(404)
    try:
        stream = open_blob(export.sha256)
    except BlobNotFound:
        abort(404)
    privacy_export.record_download(export, request_actor())
    response = send_file(stream, mimetype="application/zip", as_attachment=True,
                         download_name=f"my-account-data-{export.ready_at:%Y-%m-%d}.zip", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@portal.route("/account/close", methods=["POST"])
@customer_required
def close_account():
    form = CloseAccountForm()
    if form.validate_on_submit():
        try:
            email = privacy_service.close_account(current_customer(), form.password.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            sign_out()
            flash(f"The account {email} is closed and its data deleted.", "info")
            return redirect(url_for("portal.home"))
    return _page(form)
