"""Support demo data: canned responses and one request of the demo customer, made through the wizard's
services. Idempotent: running it again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import CannedResponse, Customer, Ticket
from backoffice.security import Actor

CANNED = [
    ("Send the GetSystemInfo report", "Please create a GetSystemInfo report and attach it to this request: "
     "it tells us how your computer is set up."),
    ("Reinstall the product", "Please remove the product, restart the computer, and install the latest version "
     "again. Tell us if the problem remains."),
    ("Licence renewal", "You can renew your licence in our online shop; the new activation code extends the "
     "current one without reinstalling."),
]


def seed_support() -> Iterator[str]:
    for title, body in CANNED:
        if not db.session.scalar(select(CannedResponse.id).where(CannedResponse.title == title)):
            db.session.add(CannedResponse(title=title, body=body))
    db.session.commit()
    yield f"support  {len(CANNED)} canned responses"
    customer = db.session.scalar(select(Customer).where(Customer.email == "customer@example.com"))
    if customer is None:
        return
    ticket = db.session.scalar(select(Ticket).where(Ticket.customer_id == customer.id,
                                                    Ticket.draft_key == "demo-request-0000001"))
    if ticket is None:
        from backoffice.services.support import submit, wizard

        draft = wizard.open_draft(customer.id, "demo-request-0000001")
        wizard.save_step(draft, 1, {"type_code": "presale"})
        wizard.save_step(draft, 2, {"product_id": ""})
        wizard.save_step(draft, 3, {"subject": "Licence for five computers",
                                    "description": "What does a licence for five home computers cost per year?"})
        wizard.save_step(draft, 4, {"os_name": "Windows 11", "product_version": ""})
        ticket = submit.submit_draft(customer.id, draft.draft_key, Actor("customer", customer.id, customer.email))
    yield f"support  demo request {ticket.number} of {customer.email}"
