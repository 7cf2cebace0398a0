"""/api/v1/customers: the console's one search box (number, code in any shape, e-mail, name), and one customer
with their codes, tickets and Virus Lab requests (the sections the token may read)."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from backoffice.api.auth import may, requires
from backoffice.api.blueprints import api_blueprint
from backoffice.api.etags import body_etag, json_response
from backoffice.api.problems import problem
from backoffice.api.schemas import dump_time
from backoffice.extensions import db
from backoffice.inputs.json_fields import Text
from backoffice.models import Customer
from backoffice.services import ServiceError, customer_lookup
from backoffice.services.customer_overview import customer_overview

blueprint = api_blueprint("customers", "Customers: search, and one customer's codes, tickets and lab requests")
SEARCH_LIMIT = 50


class CustomerSearchArgs(ma.Schema):
    q = Text(required=True, max_length=200, metadata={"description": "A request or lab number, an activation code, "
                                                                     "an e-mail address, or part of a name or e-mail"})


class CustomerSummary(ma.Schema):
    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(allow_none=True)
    status = ma.fields.String(required=True)
    country = ma.fields.String(allow_none=True)
    company = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(required=True)


class CustomerSearchResult(ma.Schema):
    matched_as = ma.fields.String(required=True, metadata={"description": "What the term was read as"})
    items = ma.fields.List(ma.fields.Nested(CustomerSummary), required=True)


class HeldCodeOut(ma.Schema):
    code = ma.fields.String(required=True)
    product = ma.fields.String(allow_none=True)
    state = ma.fields.String(required=True)
    added_at = ma.fields.String(required=True)


class CustomerTicketOut(ma.Schema):
    number = ma.fields.String(required=True)
    subject = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    priority = ma.fields.String(required=True)
    created_at = ma.fields.String(required=True)


class LabRequestOut(ma.Schema):
    number = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    request_type = ma.fields.String(required=True)
    created_at = ma.fields.String(required=True)


class CustomerOut(CustomerSummary):
    codes = ma.fields.List(ma.fields.Nested(HeldCodeOut))
    tickets = ma.fields.List(ma.fields.Nested(CustomerTicketOut))
    lab_requests = ma.fields.List(ma.fields.Nested(LabRequestOut))


def summary(customer: Customer) -> dict:
    return {"id": customer.id, "email": customer.email, "name": customer.name, "status": customer.status,
            "country": customer.country, "company": customer.company, "created_at": dump_time(customer.created_at)}


@blueprint.route("/customers", methods=["GET"])
@requires("customers", "read")
@blueprint.arguments(CustomerSearchArgs, location="query", as_kwargs=True)
@blueprint.response(200, CustomerSearchResult)
def search(q: str):
    """Customers found by the console's search box, newest first (at most 50)."""
    try:
        found = customer_lookup.lookup(q)
    except ServiceError as error:  # too short to search
        return problem(422, error.message, [{"name": "q", "in": "query", "detail": error.message}])
    rows = db.session.scalars(select(Customer).where(found.condition).order_by(Customer.id.desc())
                              .limit(SEARCH_LIMIT))
    payload = {"matched_as": found.kind, "items": [summary(c) for c in rows]}
    return json_response(payload, body_etag(payload))


@blueprint.route("/customers/<int:customer_id>", methods=["GET"])
@requires("customers", "read")
@blueprint.response(200, CustomerOut, headers={"ETag": {"schema": {"type": "string"}}})
@blueprint.alt_response(304, description="Not modified (If-None-Match)")
@blueprint.alt_response(404, description="No such customer")
def get_customer(customer_id: int):
    """One customer, with the newest 20 of their codes (with state), tickets and Virus Lab requests."""
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        return problem(404, "There is no customer with this id.")
    sections = ("lab_requests",) + (("codes",) if may("codes", "read") else ()) + (
        ("tickets",) if may("tickets", "read") else ())
    overview = customer_overview(customer.id, sections)
    payload = summary(customer)
    if "codes" in overview:
        payload["codes"] = [{"code": held.code.code, "product": held.code.product.name if held.code.product else None,
                             "state": held.standing.state.value, "added_at": dump_time(held.added_at)}
                            for held in overview["codes"].rows]
    if "tickets" in overview:
        payload["tickets"] = [{"number": row.number, "subject": row.subject, "status": row.status,
                               "priority": row.priority, "created_at": dump_time(row.created_at)}
                              for row in overview["tickets"].rows]
    payload["lab_requests"] = [{"number": row.number, "state": row.state, "request_type": row.request_type,
                                "created_at": dump_time(row.created_at)} for row in overview["lab_requests"].rows]
    return json_response(payload, body_etag(payload))
