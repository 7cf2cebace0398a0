"""Privacy: download my data (JSON) and close my account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, url_for

from backoffice.portal import portal
from backoffice.portal.errors import show_error
from backoffice.portal.forms.profile import CloseAccountForm
from backoffice.portal.guards import customer_required
from backoffice.security import current_customer, request_actor, sign_out
from backoffice.services import ServiceError
from backoffice.services import privacy as privacy_service


@portal.route("/account/privacy")
@customer_required
def privacy():
    return render_template("portal/privacy.html", form=CloseAccountForm(), title="Your data and your account")


@portal.route("/account/privacy/data.json", methods=["POST"])
@customer_required
def download_data():
    """POST (with the CSRF token): a download that another site cannot trigger by linking to it."""
    data = privacy_service.export_data(current_customer(), request_actor())
    return Response(json.dumps(data, indent=2, ensure_ascii=False), mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-account-data.json"'})


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
    return render_template("portal/privacy.html", form=form, title="Your data and your account"), 200
