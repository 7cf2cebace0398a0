"""Support demo data (seeds/demo/support.toml): canned responses and a request of the demo customer, made through
the wizard's services. Idempotent: running it again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CannedResponse, Customer, Ticket
from backoffice.security import Actor
from backoffice.seeding.files import demo_data


def seed_support() -> Iterator[str]:
    data = demo_data("support")
    for canned in data["canned"]:
        if not db.session.scalar(select(CannedResponse.id).where(CannedResponse.title == canned["title"])):
            db.session.add(CannedResponse(title=canned["title"], body=canned["body"]))
    db.session.commit()
    yield f"support  {len(data['canned'])} canned responses"
    for request in data["requests"]:
        ticket = _demo_request(request)
        if ticket is not None:
            yield f"support  demo request {ticket.number} of {request['customer']}"


def _demo_request(request: dict) -> Ticket | None:
    customer = db.session.scalar(select(Customer).where(Customer.email == request["customer"]))
    if customer is None:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.customer_id == customer.id,
                                                    Ticket.draft_key == request["draft_key"]))
    if ticket is None:
        from backoffice.services.support import submit, wizard

        draft = wizard.open_draft(customer.id, request["draft_key"])
        wizard.save_step(draft, 1, {"type_code": request["type"]})
        wizard.save_step(draft, 2, {"product_id": ""})
        wizard.save_step(draft, 3, {"subject": request["subject"], "description": request["description"]})
        wizard.save_step(draft, 4, {"os_name": request["os_name"], "product_version": ""})
        ticket = submit.submit_draft(customer.id, draft.draft_key, Actor("customer", customer.id, customer.email))
    return ticket
