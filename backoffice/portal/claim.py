"""Claiming a Personal Cabinet account (FAQ §02) that the import brought over."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from backoffice.extensions import limiter
from backoffice.portal import portal
from backoffice.portal.errors import show_error
from backoffice.portal.forms.auth import ClaimRequestForm, NewPasswordForm
from backoffice.security import CustomerIdentity, request_actor, sign_in
from backoffice.services import ServiceError, legacy_claim

CLAIM_SENT = ("If {email} belongs to a Personal Cabinet account that is not yet claimed, a message with the link to "
              "claim it is on its way.")


def codes_notice(claimed: legacy_claim.Claimed) -> str:
    """What became of the Personal Cabinet codes, in one flash message."""
    added, refused = claimed.codes_added, len(claimed.codes_refused)
    parts = []
    if added:
        parts.append(f"{added} activation code{'' if added == 1 else 's'} from your Personal Cabinet "
                     f"{'is' if added == 1 else 'are'} now on your account.")
    if refused:
        parts.append(f"{refused} code{'' if refused == 1 else 's'} from your Personal Cabinet could not be added: "
                     "the page Manage activation codes says why.")
    return " ".join(parts)


def _mail_form_limit() -> str:
    return current_app.config["ACCOUNT_MAIL_RATE_LIMIT"]


@portal.route("/claim", methods=["GET", "POST"])
@limiter.limit(_mail_form_limit, methods=["POST"])
def claim_request():
    form = ClaimRequestForm()
    if form.validate_on_submit():
        legacy_claim.request_claim(form.email.data, request_actor())
        flash(CLAIM_SENT.format(email=form.email.data.strip()), "info")
        return redirect(url_for("portal.claim_request"))
    return render_template("portal/claim_request.html", form=form, title="Claim your account")


@portal.route("/claim/<token>", methods=["GET", "POST"])
def claim(token: str):
    try:
        customer = legacy_claim.legacy_customer_for(token)
    except ServiceError as error:
        return render_template("portal/link_invalid.html", title="Link not valid", message=error.message), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            claimed = legacy_claim.complete_claim(token, form.password.data, request_actor())
        except ServiceError as error:
            show_error(form, error)
        else:
            sign_in(CustomerIdentity(claimed.customer))
            flash("Your account is yours again. Please check your profile.", "success")
            if claimed.codes_added or claimed.codes_refused:
                flash(codes_notice(claimed), "warning" if claimed.codes_refused else "info")
            return redirect(url_for("portal.profile"))
    return render_template("portal/new_password.html", form=form, title="Claim your account",
                           heading=f"Claim the account {customer.email}")
