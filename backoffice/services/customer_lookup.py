"""Finding a customer from one search box: what staff paste is recognised by its shape and answered by the index
that shape has.

- a support request number (TS-2026-000123): the unique index on tickets.number;
- a Virus Lab request number (VL-20261125-7K3QX9): the unique index on viruslab_submissions.number;
- an activation code in any shape (lower case, spaces, no or odd hyphens, full-width): the unique index on
  activation_codes.code, then code_registrations by code (customers who hold it or held it); twenty
  letters that are no code are read as a name;
- a whole e-mail address: the unique index on customers.email (a fragment search if no account has it);
- anything else: e-mail or name fragments (services.customers.search_condition: trigram indexes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from backoffice.extensions import db
from backoffice.models import ActivationCode, CodeRegistration, Customer, Submission, Ticket
from backoffice.services.customers import search_condition
from backoffice.services.licensing.normalise import normalise_code
from backoffice.services.support.numbers import looks_like_number

LAB_NUMBER = re.compile(r"VL-\d{8}-[A-Z0-9]{4,16}")
WHOLE_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Lookup:
    kind: str  # what the term was read as, for the page: see KIND_LABELS
    condition: ColumnElement[bool]  # on Customer


KIND_LABELS = {"ticket": "support request number", "lab_request": "Virus Lab request number",
               "code": "activation code", "email": "e-mail address", "text": "e-mail or name"}


def lookup(term: str) -> Lookup:
    """How `term` finds customers; ServiceError (from the fragment search) if it is too short to search."""
    term = term.strip()
    upper = term.upper()
    if looks_like_number(term):
        return Lookup("ticket", Customer.id.in_(select(Ticket.customer_id).where(Ticket.number == upper)))
    if LAB_NUMBER.fullmatch(upper):
        return Lookup("lab_request",
                      Customer.id.in_(select(Submission.customer_id).where(Submission.number == upper)))
    code = normalise_code(term)
    # twenty letters could also be a name ("Konstantin Alexandra"): a code only if there is one
    code_id = db.session.scalar(select(ActivationCode.id).where(ActivationCode.code == code)) if code else None
    if code_id is not None:
        holders = select(CodeRegistration.customer_id).where(CodeRegistration.code_id == code_id)
        return Lookup("code", Customer.id.in_(holders))
    if WHOLE_ADDRESS.fullmatch(term):
        address = term.lower()
        # an exact address is one row of the unique index; only if no account has it, look for fragments
        if db.session.scalar(select(Customer.id).where(Customer.email == address)) is not None:
            return Lookup("email", Customer.email == address)
    return Lookup("text", search_condition(term))


def single_match(term: str) -> int | None:
    """The id of the one customer `term` finds; None when it finds none or several."""
    ids = db.session.scalars(select(Customer.id).where(lookup(term).condition).limit(2)).all()
    return ids[0] if len(ids) == 1 else None
