"""A request staff file for a customer (the API's "create a ticket"): the customer's own wizard draft, filled in
at once and checked by the wizard's own rules (their products, their codes), then submitted by submit.py. The
idempotency key is the draft id, so a retried create finds the ticket the first one made."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, CustomerStatus, Ticket, WizardDraft
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import submit, wizard

FIELDS = ("type_code", "product_id", "activation_code_id", "subject", "description", "os_name", "product_version")


def submit_for_customer(customer_id: int, values: dict, key: str | None, actor: Actor) -> tuple[Ticket, bool]:
    """The ticket (created now: True; or by an earlier call with the same key: False)."""
    key = key or wizard.new_draft_key()
    if not wizard.DRAFT_KEY.fullmatch(key):
        raise ServiceError("Use 16 to 64 letters, digits, - or _ as the idempotency key.", "Idempotency-Key")
    customer = db.session.get(Customer, customer_id)
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        raise ServiceError("There is no active customer with this id.", "customer_id")
    existing = submit.submitted_ticket(customer_id, key)
    if existing is not None:
        return existing, False
    draft = wizard.find_draft(customer_id, key) or WizardDraft(customer_id=customer_id, draft_key=key, data={})
    draft.data = {name: values.get(name) for name in FIELDS if values.get(name) not in (None, "")}
    draft.step, draft.updated_at = wizard.LAST_STEP, utcnow()
    errors = wizard.validate_all(draft)
    if errors:
        db.session.rollback()
        raise wizard.StepInvalid(errors)
    db.session.add(draft)
    try:
        db.session.flush()
    except IntegrityError:  # the same key in a parallel call: its draft (and soon its ticket) wins
        db.session.rollback()
    return submit.submit_draft(customer_id, key, actor), True
