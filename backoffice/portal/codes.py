"""The customer's activation codes (FAQ §10-11): add, list, remove.

Refused adds are rate-limited per account and per client address; successful adds never count
(`deduct_when`), so a household adding its codes is not slowed down, a guesser is.
"""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask_limiter.util import get_remote_address

from backoffice.extensions import limiter
from backoffice.portal import portal
from backoffice.portal.forms.codes import AddCodeForm, RemoveCodeForm
from backoffice.portal.guards import customer_required
from backoffice.security import current_customer, request_actor
from backoffice.services.legacy_codes import refused_legacy_codes
from backoffice.services.licensing import codes as code_service
from backoffice.services.licensing.refusals import refusal_message


def _account_key() -> str:
    customer = current_customer()
    return f"customer:{customer.id}" if customer else f"ip:{get_remote_address()}"


def _refused(_response) -> bool:
    return bool(g.get("code_add_refused"))


@portal.route("/codes/")
@customer_required
def codes():
    customer_id = current_customer().id
    return render_template("portal/codes/list.html", held=code_service.customer_codes(customer_id),
                           refused=refused_legacy_codes(customer_id), title="Manage activation codes")


@portal.route("/codes/add", methods=["GET", "POST"])
@customer_required
@limiter.limit(lambda: current_app.config["CODE_ADD_FAILURES_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_refused)
@limiter.limit(lambda: current_app.config["CODE_ADD_FAILURES_PER_IP"], key_func=get_remote_address,
               methods=["POST"], deduct_when=_refused)
def add_code():
    form = AddCodeForm()
    if form.is_submitted() and not form.validate():
        g.code_add_refused = True
        return render_template("portal/codes/add.html", form=form, title="Add a new activation code"), 422
    if form.is_submitted():
        outcome = code_service.add_code(current_customer(), form.code.data, request_actor())
        if outcome.added:
            return render_template("portal/codes/added.html", code=outcome.code, title="Activation code added")
        g.code_add_refused = True
        form.code.errors = [refusal_message(outcome)]
        return render_template("portal/codes/add.html", form=form, result=outcome.result.value,
                               title="Add a new activation code"), 422
    return render_template("portal/codes/add.html", form=form, title="Add a new activation code")


@portal.route("/codes/<int:registration_id>/remove", methods=["GET", "POST"])
@customer_required
def remove_code(registration_id: int):
    customer = current_customer()
    registration = code_service.held_registration(customer.id, registration_id) or abort(404)
    form = RemoveCodeForm()
    if form.validate_on_submit():
        removed = code_service.remove_code(customer, registration_id, request_actor()) or abort(404)
        flash(f"The activation code {removed.code.code} is removed from your account.", "success")
        return redirect(url_for("portal.codes"))
    status = 422 if form.is_submitted() else 200
    return render_template("portal/codes/remove.html", form=form, registration=registration,
                           title="Remove an activation code"), status
