"""The request wizard of FAQ §12: five steps with Back and Next, state kept on the server (services/support/
wizard.py) under a draft id in the URL, so Back, a reload, or a failed validation lose nothing."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from backoffice.inputs.body_limits import body_limit
from backoffice.inputs.numbers import bounded_ids
from backoffice.portal import portal
from backoffice.portal.captcha import arm_captcha
from backoffice.portal.forms.support import (
    DescriptionStepForm,
    ProductStepForm,
    ReviewStepForm,
    SystemStepForm,
    TypeStepForm,
)
from backoffice.portal.guards import customer_required
from backoffice.portal.support_errors import put_error
from backoffice.security import current_customer, request_actor
from backoffice.services import ServiceError
from backoffice.services.support import submit, wizard
from backoffice.services.support.attachments import limits_text
from backoffice.web import format_bytes

FORMS = {1: TypeStepForm, 2: ProductStepForm, 3: DescriptionStepForm, 4: SystemStepForm, 5: ReviewStepForm}
FIELDS = {1: ["type_code"], 2: ["product_id", "activation_code_id"], 3: ["subject", "description"],
          4: ["os_name", "product_version"], 5: []}
FORM_OVERHEAD_BYTES = 256 * 1024  # the text fields and multipart framing around the files
UPLOAD_ENDPOINTS = {"portal.support_step", "portal.support_reply"}


@body_limit(*UPLOAD_ENDPOINTS)
def support_upload_limit() -> tuple[int, str]:
    config = current_app.config
    return (config["ATTACHMENTS_TOTAL_MAX_BYTES"] + FORM_OVERHEAD_BYTES,
            f"The files are larger than the limit of {format_bytes(config['ATTACHMENTS_TOTAL_MAX_BYTES'])} together "
            f"({format_bytes(config['ATTACHMENT_MAX_BYTES'])} each). Send larger files by FTP: the address is on the "
            "request page.")


@portal.route("/support/new")
@customer_required
def support_new():
    return redirect(url_for("portal.support_step", key=wizard.new_draft_key(), step=1))


def _draft_or_404(key: str):
    try:
        return wizard.open_draft(current_customer().id, key)
    except ServiceError:
        abort(404)


def _form_for(step: int, draft):
    """The step's form: on GET filled from the draft, on POST from what was sent (files included)."""
    form = FORMS[step](data=dict(draft.data or {}))
    data = draft.data or {}
    if step == 1:
        form.type_code.choices = [(t.code, t.name) for t in wizard.request_types()]
    if step == 2:
        products = wizard.available_products(draft.customer_id, data.get("type_code"))
        form.product_id.choices = [("", "Choose a product…")] + [(str(p.id), p.name) for p in products]
        codes = wizard.available_codes(draft.customer_id, products)
        required = data.get("type_code") in wizard.CODE_REQUIRED_TYPES
        form.activation_code_id.choices = [("", "Choose a code…" if required else "No particular code")] + [
            (str(held.code_id), _code_choice(held)) for held in codes]
        form.code_required = required
        form.codes = codes
        form.captcha_shown = arm_captcha(form)
        form.products = products
    return form


def _code_choice(held) -> str:
    """The option people read: product, code, and the code's standing when it is not simply valid."""
    standing = held.standing
    note = "" if standing.is_active and not standing.expiring_soon else f" ({standing.summary})"
    return f"{held.product}: {held.code}{note}"


def _render(step: int, draft, form, status: int = 200):
    kind = wizard.request_type((draft.data or {}).get("type_code"))
    context = {"step": step, "steps": wizard.STEPS, "draft": draft, "form": form, "kind": kind,
               "files": wizard.draft_files(draft), "limits": limits_text(),
               "title": f"Send a request: step {step} of {wizard.LAST_STEP}"}
    if step == 5:
        product_id = (draft.data or {}).get("product_id")
        context["product"] = next((p for p in wizard.available_products(draft.customer_id, kind.code if kind else None)
                                   if str(p.id) == str(product_id)), None)
        context["code"] = wizard.chosen_code(draft)
    return render_template(f"portal/support/step{step}.html", **context), status


@portal.route("/support/new/<key>/step/<int:step>", methods=["GET", "POST"])
@customer_required
def support_step(key: str, step: int):
    if step not in FORMS:
        abort(404)
    draft = _draft_or_404(key)
    if draft.ticket_id is not None:  # already submitted: the request page, not a second request
        return redirect(url_for("portal.support_submitted", key=key))
    if step > draft.step:
        return redirect(url_for("portal.support_step", key=key, step=draft.step))
    if request.method == "GET":
        return _render(step, draft, _form_for(step, draft))
    form = _form_for(step, draft)
    action = request.form.get("action", "next")  # next, back, or remove (the ticked files of steps 3-4)
    going_back = action == "back"
    values = {name: form[name].data for name in FIELDS[step]}
    uploads = [f for name in ("files", "sysinfo") if name in form for f in (form[name].data or [])]
    remove = bounded_ids(request.form.getlist("remove_file"))
    valid = form.validate()  # the input boundary on every field, and on step 2 the captcha
    if any(name != "captcha" for name in form.errors):  # text that cannot be stored: nothing of the step is saved
        return _render(step, draft, form, 422)
    if not valid and action == "next":  # only the captcha: keep the choice and ask again
        wizard.save_step(draft, step, values, advance=False)
        return _render(step, draft, form, 422)
    try:
        wizard.save_step(draft, step, values, uploads, remove, advance=action == "next")
    except wizard.StepInvalid as invalid:
        if going_back:  # a file refused on the way back: say so here rather than lose the message
            flash(invalid.message, "warning")
            return redirect(url_for("portal.support_step", key=key, step=max(step - 1, 1)))
        for name, message in invalid.errors.items():
            put_error(form, name, message)
        return _render(step, draft, form, 422)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("portal.support_step", key=key, step=draft.step))
    if going_back:
        return redirect(url_for("portal.support_step", key=key, step=max(step - 1, 1)))
    if action != "next":
        return redirect(url_for("portal.support_step", key=key, step=step))
    return redirect(url_for("portal.support_step", key=key, step=min(step + 1, wizard.LAST_STEP)))


@portal.route("/support/new/<key>/submit", methods=["POST"])
@customer_required
def support_submit(key: str):
    """Submit the draft. A second POST of the same draft (double click, reload) lands on the same request."""
    customer = current_customer()
    try:
        submit.submit_draft(customer.id, key, request_actor())
    except wizard.StepInvalid:
        draft = wizard.find_draft(customer.id, key)
        step = wizard.first_invalid_step(draft) if draft else 1
        flash("Something in your request needs correcting first.", "error")
        return redirect(url_for("portal.support_step", key=key, step=step or 1))
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("portal.support_requests"))
    return redirect(url_for("portal.support_submitted", key=key))


@portal.route("/support/new/<key>/done")
@customer_required
def support_submitted(key: str):
    ticket = submit.submitted_ticket(current_customer().id, key)
    if ticket is None:
        abort(404)
    flash(f"Your request was sent. Its number is {ticket.number}; we also sent it to you by e-mail.", "success")
    return redirect(url_for("portal.support_request", number=ticket.number))
