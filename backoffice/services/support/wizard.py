"""The request wizard of FAQ §12: five steps whose state lives on the server.

A draft is one row per (customer, draft id). The draft id comes from the page (it is in the wizard's URL), so a
reload, Back, or a failed validation finds the same draft; every POST of a step saves what was typed, valid or
not, and only a valid step moves the draft on. Files uploaded in steps 3 and 4 are stored at once and named
for the draft; submit (submit.py) hands them to the ticket.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import Attachment, Product, SupportRequestType, WizardDraft
from backoffice.models.support import AttachmentSource
from backoffice.services import ServiceError
from backoffice.services.licensing.codes import HeldCode, customer_codes
from backoffice.services.licensing.gate import (
    has_active_code,
    has_held_code,
    products_with_active_code,
    products_with_held_code,
)
from backoffice.services.support import file_checks
from backoffice.services.support.attachments import store_uploads

STEPS = {1: "Request type", 2: "Product", 3: "Description", 4: "System", 5: "Review"}
LAST_STEP = 5
DRAFT_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")
VERSION_SHAPE = re.compile(r"\d{1,3}(\.\d{1,6}){2,3}")  # e.g. 21.3.10.391
OPERATING_SYSTEMS = [
    "Windows 11", "Windows 10", "Windows 8.1", "Windows 7", "Windows Server 2022", "Windows Server 2019",
    "Windows Server 2016", "macOS 15", "macOS 14", "macOS 13", "Linux", "Android", "iOS", "Other",
]
SUBJECT_LENGTH = (5, 200)
DESCRIPTION_LENGTH = (20, 20_000)
CODE_REQUIRED_TYPES = frozenset({"license"})  # "Key problem / License expiration": about one code


class StepInvalid(ServiceError):
    """One or more fields of a step are wrong; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())), next(iter(errors)))
        self.errors = errors


def new_draft_key() -> str:
    return secrets.token_urlsafe(18)


def request_types() -> list[SupportRequestType]:
    return list(db.session.scalars(select(SupportRequestType).order_by(SupportRequestType.position)))


def find_draft(customer_id: int, key: str) -> WizardDraft | None:
    if not DRAFT_KEY.fullmatch(key or ""):
        return None
    return db.session.scalar(select(WizardDraft).where(WizardDraft.customer_id == customer_id,
                                                       WizardDraft.draft_key == key))


def open_draft(customer_id: int, key: str) -> WizardDraft:
    """The draft for this key, or a new empty one (not yet saved) when the key was never used."""
    if not DRAFT_KEY.fullmatch(key or ""):
        raise ServiceError("This form link is not valid; start a new request.")
    return find_draft(customer_id, key) or WizardDraft(customer_id=customer_id, draft_key=key, step=1, data={})


def draft_files(draft: WizardDraft, source: str | None = None) -> list[Attachment]:
    if draft.id is None:
        return []
    query = select(Attachment).where(Attachment.draft_id == draft.id).order_by(Attachment.id)
    if source:
        query = query.where(Attachment.source == source)
    return list(db.session.scalars(query))


def files_total(draft: WizardDraft) -> int:
    if draft.id is None:
        return 0
    return db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0))
                             .where(Attachment.draft_id == draft.id)) or 0


def available_products(customer_id: int, type_code: str | None) -> list[Product]:
    """Step 2's choices: products with an active code; for a key problem or an expired licence, with any code
    held; for a pre-sale question, every product."""
    if type_code == "presale":
        return list(db.session.scalars(select(Product).order_by(Product.name)))
    if type_code in CODE_REQUIRED_TYPES:
        return products_with_held_code(customer_id)
    return products_with_active_code(customer_id)


def available_codes(customer_id: int, products: list[Product]) -> list[HeldCode]:
    """Step 2's code choices: the customer's registered codes for the products offered, whatever their state
    (a request about an expired or blacklisted code is exactly what "License expiration" is for)."""
    offered = {product.id for product in products}
    return [held for held in customer_codes(customer_id) if held.product_id in offered]


def chosen_code(draft: WizardDraft) -> HeldCode | None:
    """The customer's own code the draft names, or None (none chosen, or no longer registered to them)."""
    code_id = _code_id((draft.data or {}).get("activation_code_id"))
    if code_id is None:
        return None
    return next((held for held in customer_codes(draft.customer_id) if held.code_id == code_id), None)


def _code_id(raw) -> int | None:
    return bounded_int(str(raw)) if raw not in (None, "") else None


def request_type(code: str | None) -> SupportRequestType | None:
    if not code:
        return None
    return db.session.scalar(select(SupportRequestType).where(SupportRequestType.code == code))


def save_step(draft: WizardDraft, step: int, values: dict, uploads: list | None = None,
              remove_files: list[int] | None = None, advance: bool = True) -> WizardDraft:
    """Keep what was typed for `step`; with `advance`, validate it and move the draft past it.

    Raises StepInvalid (after saving the typed values) when the step does not validate.
    """
    if step < 1 or step > LAST_STEP or step > draft.step:
        raise ServiceError("Fill in the steps in order.")
    draft.data = {**(draft.data or {}), **_clean(values)}
    draft.updated_at = utcnow()
    if draft.id is None:
        db.session.add(draft)
    db.session.flush()
    if remove_files:
        db.session.execute(delete(Attachment).where(Attachment.draft_id == draft.id,
                                                    Attachment.id.in_(remove_files)))
    errors = validate(draft.customer_id, step, draft) if advance else {}
    uploads = [upload for upload in uploads or () if getattr(upload, "filename", None)]
    file_field = "sysinfo" if step == 4 else "files"
    if errors and uploads:  # a refused step stores none of its files: the rest is corrected first
        errors.setdefault(file_field, "Attach the file again once the rest of this step is right: files are kept "
                                      "only from a step that passes.")
    elif uploads:
        try:
            _store_step_files(draft, step, uploads)
        except ServiceError as error:
            errors[error.field or file_field] = error.message
    if errors:
        db.session.commit()  # what was typed is kept even though the step did not pass
        raise StepInvalid(errors)
    if advance:
        draft.step = max(draft.step, min(step + 1, LAST_STEP))
    db.session.commit()
    return draft


def _clean(values: dict) -> dict:
    cleaned = {}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        cleaned[key] = value
    return cleaned


def _store_step_files(draft: WizardDraft, step: int, uploads: list) -> None:
    uploads = [u for u in uploads if u is not None and u.filename]
    if not uploads:
        return
    source = AttachmentSource.SYSINFO if step == 4 else AttachmentSource.WEB
    if source == AttachmentSource.SYSINFO:  # one report per request: a new one replaces the old
        db.session.execute(delete(Attachment).where(Attachment.draft_id == draft.id,
                                                    Attachment.source == AttachmentSource.SYSINFO))
    field = "sysinfo" if source == AttachmentSource.SYSINFO else "files"
    stored = store_uploads(uploads, already=files_total(draft), field=field, source=source)
    for attachment in stored:
        attachment.draft_id = draft.id
        db.session.add(attachment)
    db.session.flush()
    file_checks.queue_checks(stored)  # checked while the customer fills in the other steps


def validate(customer_id: int, step: int, draft: WizardDraft) -> dict[str, str]:
    """The errors of one step, field by field; empty when the step is fine."""
    data = draft.data or {}
    errors: dict[str, str] = {}
    kind = request_type(data.get("type_code"))
    if step == 1 and kind is None:
        errors["type_code"] = "Choose the type of your request."
    elif step == 2:
        errors.update(_validate_product(customer_id, kind, data.get("product_id")))
        if not errors:
            errors.update(_validate_code(customer_id, kind, data.get("product_id"), data.get("activation_code_id")))
    elif step == 3:
        for name, label, (low, high) in (("subject", "subject", SUBJECT_LENGTH),
                                         ("description", "description", DESCRIPTION_LENGTH)):
            value = data.get(name) or ""
            if len(value) < low:
                errors[name] = f"Write a {label} of at least {low} characters."
            elif len(value) > high:
                errors[name] = f"Keep the {label} under {high:,} characters (it has {len(value):,})."
    elif step == 4:
        if data.get("os_name") not in OPERATING_SYSTEMS:
            errors["os_name"] = "Choose your operating system."
        version = data.get("product_version") or ""
        needs_version = kind is not None and kind.code != "presale"
        if (version or needs_version) and not VERSION_SHAPE.fullmatch(version):
            errors["product_version"] = ("Enter the full version number as the product shows it, "
                                         "for example 21.3.10.391.")
    return errors


def _validate_product(customer_id: int, kind: SupportRequestType | None, raw) -> dict[str, str]:
    if kind is None:
        return {"type_code": "Choose the type of your request first."}
    product_id = bounded_int(str(raw)) if raw is not None else None  # past 64 bits it reached the database
    if product_id is None:
        if kind.requires_product:
            return {"product_id": "Choose the product your request is about."}
        return {}
    if db.session.get(Product, product_id) is None:
        return {"product_id": "Choose a product from the list."}
    if kind.code in CODE_REQUIRED_TYPES:
        if not has_held_code(customer_id, product_id):
            return {"product_id": "You hold no activation code for this product. Add a code first."}
    elif kind.requires_product and not has_active_code(customer_id, product_id):
        return {"product_id": "You have no active activation code for this product. Add a code first."}
    return {}


def _validate_code(customer_id: int, kind: SupportRequestType, product_raw, raw) -> dict[str, str]:
    """Only the customer's own registered code, for the chosen product; required for key problems."""
    if raw in (None, ""):
        if kind.code in CODE_REQUIRED_TYPES:
            return {"activation_code_id": "Choose the activation code your request is about."}
        return {}
    code_id = _code_id(raw)
    held = next((h for h in customer_codes(customer_id) if h.code_id == code_id), None) if code_id else None
    if held is None:  # someone else's code, a removed one, or no code at all: the same answer
        return {"activation_code_id": "This activation code is not registered on your account. "
                                      "Choose one of your own codes from the list."}
    product_id = _code_id(product_raw)
    if product_id is not None and held.product_id != product_id:
        chosen = db.session.get(Product, product_id)
        return {"activation_code_id": f"This code is for {held.product}, not {chosen.name}: choose a code for "
                                      f"{chosen.name} or change the product."}
    return {}


def validate_all(draft: WizardDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    for step in range(1, LAST_STEP):
        errors.update(validate(draft.customer_id, step, draft))
    return errors


def first_invalid_step(draft: WizardDraft) -> int | None:
    for step in range(1, LAST_STEP):
        if validate(draft.customer_id, step, draft):
            return step
    return None


def prune_drafts() -> int:
    """Drop unfinished drafts older than WIZARD_DRAFT_DAYS (their files' rows go with them)."""
    cutoff = utcnow() - timedelta(days=current_app.config["WIZARD_DRAFT_DAYS"])
    result = db.session.execute(delete(WizardDraft).where(WizardDraft.updated_at < cutoff,
                                                          WizardDraft.ticket_id.is_(None)))
    db.session.commit()
    return result.rowcount
