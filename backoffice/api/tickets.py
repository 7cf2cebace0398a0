"""/api/v1/tickets: the console's queue (its filters, sorts and keyset cursor), one ticket with its thread, create
for a customer, reply, note, and change state, priority, assignee or type — each through the console's services."""

from __future__ import annotations

import marshmallow as ma
from flask import request, url_for

from backoffice.api.auth import actor, requires
from backoffice.api.blueprints import api_blueprint
from backoffice.api.etags import body_etag, json_response, stale_problem, ticket_etag, ticket_if_match
from backoffice.api.problems import problem, service_problem
from backoffice.api.schemas import Page, dump_time
from backoffice.extensions import db
from backoffice.inputs.json_fields import Id, Text
from backoffice.models import Ticket
from backoffice.models.support import TicketPriority, TicketStatus
from backoffice.services import ServiceError
from backoffice.services.support import access, correspondence, on_behalf, queues, staff_actions, wizard
from backoffice.services.support.meanwhile import ChangedMeanwhile, seen_now
from backoffice.services.support.queue_sorting import SORTS

blueprint = api_blueprint("tickets", "Support tickets: the queues, one ticket's thread, replies, notes and changes")
NUMBER = {"description": "The ticket's number, e.g. TS-2026-000123"}


class TicketListArgs(ma.Schema):
    queue = Text(max_length=40, metadata={"description": "A request type code (one queue)"})
    view = ma.fields.String(validate=ma.validate.OneOf(["all", "mine", "unassigned"]))
    status = ma.fields.String(validate=ma.validate.OneOf(queues.STATES))
    priority = ma.fields.String(validate=ma.validate.OneOf([p.value for p in TicketPriority]))
    product = Id()
    assignee = Id()
    customer = Id()
    age = ma.fields.String(validate=ma.validate.OneOf(list(queues.AGES)), metadata={"description": "Older than N days"})
    overdue = ma.fields.Boolean()
    code_problem = ma.fields.String(validate=ma.validate.OneOf(list(queues.CODE_PROBLEMS)))
    due_within = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=queues.DUE_WITHIN_MAX_HOURS))
    replied = ma.fields.Boolean()
    q = Text(max_length=200, metadata={"description": "Number, customer e-mail or words"})
    sort = ma.fields.String(validate=ma.validate.OneOf(list(SORTS)))
    dir = ma.fields.String(validate=ma.validate.OneOf(["asc", "desc"]))
    after = Text(max_length=80, metadata={"description": "The next_cursor of the previous page"})


class TicketSummary(ma.Schema):
    number = ma.fields.String(required=True)
    subject = ma.fields.String(required=True)
    type_code = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    priority = ma.fields.String(required=True)
    customer_id = ma.fields.Integer(allow_none=True)
    customer_email = ma.fields.String(allow_none=True)
    product = ma.fields.String(allow_none=True)
    assignee_id = ma.fields.Integer(allow_none=True)
    assignee_email = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(required=True)
    last_activity_at = ma.fields.String(required=True)
    first_response_due_at = ma.fields.String(allow_none=True)
    resolution_due_at = ma.fields.String(allow_none=True)
    merged_into = ma.fields.String(allow_none=True)


class TicketPage(Page):
    items = ma.fields.List(ma.fields.Nested(TicketSummary), required=True)


class MessageOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "reply (the customer sees it) or note"})
    author_kind = ma.fields.String(required=True)
    author = ma.fields.String(required=True)
    body = ma.fields.String(required=True)
    created_at = ma.fields.String(required=True)
    attachments = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "File names"})


class TicketOut(TicketSummary):
    description = ma.fields.String(required=True)
    messages = ma.fields.List(ma.fields.Nested(MessageOut), required=True)


class TicketCreate(ma.Schema):
    customer_id = Id(required=True)
    type_code = Text(required=True, max_length=40)
    product_id = Id(allow_none=True)
    activation_code_id = Id(allow_none=True)
    subject = Text(required=True, max_length=200)
    description = Text(required=True, multiline=True, max_length=20_000)
    os_name = Text(required=True, max_length=80)
    product_version = Text(allow_none=True, max_length=40)


class ReplyIn(ma.Schema):
    body = Text(required=True, multiline=True, validate=ma.validate.Length(min=1, max=100_000))
    then_status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in TicketStatus]),
                                   metadata={"description": "Change the state with the reply"})


class NoteIn(ma.Schema):
    body = Text(required=True, multiline=True, validate=ma.validate.Length(min=1, max=100_000))


class TicketChange(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in TicketStatus]))
    priority = ma.fields.String(validate=ma.validate.OneOf([p.value for p in TicketPriority]))
    assignee_id = Id(allow_none=True, metadata={"description": "null: unassigned"})
    type_code = Text(max_length=40)


IF_MATCH = {"If-Match": {"description": "The ETag of the ticket as read; 412 if it changed since",
                         "schema": {"type": "string"}}}
ETAG_HEADER = {"ETag": {"description": "The ticket's version", "schema": {"type": "string"}}}


def summary(ticket: Ticket) -> dict:
    return {
        "number": ticket.number, "subject": ticket.subject, "type_code": ticket.request_type.code,
        "status": ticket.status, "priority": ticket.priority, "customer_id": ticket.customer_id,
        "customer_email": ticket.customer.email if ticket.customer else None,
        "product": ticket.product.name if ticket.product else None, "assignee_id": ticket.assignee_id,
        "assignee_email": ticket.assignee.email if ticket.assignee else None,
        "created_at": dump_time(ticket.created_at), "last_activity_at": dump_time(ticket.last_activity_at),
        "first_response_due_at": dump_time(ticket.first_response_due_at),
        "resolution_due_at": dump_time(ticket.resolution_due_at),
        "merged_into": db.session.get(Ticket, ticket.merged_into_id).number if ticket.merged_into_id else None,
    }


def full(ticket: Ticket) -> dict:
    messages = correspondence.thread(ticket, include_notes=True)
    return {**summary(ticket), "description": ticket.description, "messages": [
        {"id": m.id, "kind": m.kind, "author_kind": m.author_kind, "author": m.author_label, "body": m.body,
         "created_at": dump_time(m.created_at), "attachments": [a.filename for a in m.attachments]}
        for m in messages]}


def _ticket(number: str) -> Ticket | None:
    return access.ticket_by_number(number)


def _not_found():
    return problem(404, "There is no ticket with this number.")


def _answer(ticket: Ticket, status: int = 200, headers: dict | None = None):
    db.session.expire_all()  # the service committed: read the ticket as it is now
    ticket = db.session.get(Ticket, ticket.id)
    return json_response(full(ticket), ticket_etag(seen_now(ticket)), status, headers)


@blueprint.route("/tickets", methods=["GET"])
@requires("tickets", "read")
@blueprint.arguments(TicketListArgs, location="query", as_kwargs=True)
@blueprint.response(200, TicketPage)
def list_tickets(**_parsed):
    """The console's ticket list: its filters and sorts, newest first by default, 50 a page by keyset cursor."""
    args = request.args.to_dict()
    for name in ("overdue", "replied"):
        if name in args:
            args[name] = "1" if args[name].lower() in ("1", "true", "yes", "on") else ""
    filters = queues.Filters.from_args(args)
    rows, next_after = queues.page(filters, actor().id)
    if filters.errors:
        return problem(422, "Some arguments cannot be used; see the errors of each.",
                       [{"name": name, "in": "query", "detail": text} for name, text in filters.errors.items()])
    headers = {}
    if next_after:
        headers["Link"] = f'<{url_for(".list_tickets", **filters.as_args(after=next_after))}>; rel="next"'
    payload = {"items": [summary(t) for t in rows], "next_cursor": next_after}
    return json_response(payload, body_etag(payload), headers=headers)


@blueprint.route("/tickets", methods=["POST"])
@requires("tickets", "write")
@blueprint.arguments(TicketCreate)
@blueprint.response(201, TicketOut, headers=ETAG_HEADER)
@blueprint.alt_response(200, schema=TicketOut, description="An earlier create with the same Idempotency-Key")
@blueprint.doc(parameters=[{"in": "header", "name": "Idempotency-Key", "required": False,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
                            "description": "Send the same key again to get the same ticket, not a second one"}])
def create_ticket(values):
    """File a request for a customer, checked by the portal wizard's rules (their products and codes)."""
    key = request.headers.get("Idempotency-Key")
    try:
        ticket, created = on_behalf.submit_for_customer(values["customer_id"], values, key, actor())
    except wizard.StepInvalid as invalid:
        return service_problem(invalid)
    except ServiceError as error:
        return service_problem(error, location="header" if error.field == "Idempotency-Key" else "body")
    location = url_for(".get_ticket", number=ticket.number)
    return _answer(ticket, 201 if created else 200, {"Location": location})


@blueprint.route("/tickets/<string:number>", methods=["GET"])
@requires("tickets", "read")
@blueprint.response(200, TicketOut, headers=ETAG_HEADER)
@blueprint.alt_response(304, description="Not modified (If-None-Match)")
@blueprint.alt_response(404, description="No such ticket")
def get_ticket(number: str):
    """One ticket with its whole thread, internal notes included."""
    ticket = _ticket(number)
    if ticket is None:
        return _not_found()
    return json_response(full(ticket), ticket_etag(seen_now(ticket)))


def _with_version(number: str, write):
    ticket = _ticket(number)
    if ticket is None:
        return _not_found()
    seen = ticket_if_match()
    if seen is False:
        return stale_problem("If-Match names no version of this ticket; read it again for its ETag.")
    try:
        write(ticket, seen)
    except ChangedMeanwhile as changed:
        db.session.rollback()
        return problem(412, changed.message + " " + " ".join(changed.changes.sentences),
                       [{"name": "If-Match", "in": "header", "detail": "The ticket changed since this version."}])
    except ServiceError as error:
        db.session.rollback()
        return service_problem(error)
    return _answer(ticket)


@blueprint.route("/tickets/<string:number>/replies", methods=["POST"])
@requires("tickets", "write")
@blueprint.arguments(ReplyIn)
@blueprint.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
@blueprint.response(200, TicketOut, headers=ETAG_HEADER)
@blueprint.alt_response(404, description="No such ticket")
@blueprint.alt_response(412, description="The ticket changed since the If-Match version")
def reply(values, number: str):
    """Answer the customer (mailed to them), optionally changing the state with it."""
    return _with_version(number, lambda ticket, seen: correspondence.staff_reply(
        ticket, actor(), values["body"], [], internal=False, then_status=values.get("then_status"), seen=seen))


@blueprint.route("/tickets/<string:number>/notes", methods=["POST"])
@requires("tickets", "write")
@blueprint.arguments(NoteIn)
@blueprint.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
@blueprint.response(200, TicketOut, headers=ETAG_HEADER)
@blueprint.alt_response(404, description="No such ticket")
@blueprint.alt_response(412, description="The ticket changed since the If-Match version")
def note(values, number: str):
    """An internal note: staff only, the customer is not told."""
    return _with_version(number, lambda ticket, seen: correspondence.staff_reply(
        ticket, actor(), values["body"], [], internal=True, seen=seen))


@blueprint.route("/tickets/<string:number>", methods=["PATCH"])
@requires("tickets", "write")
@blueprint.arguments(TicketChange)
@blueprint.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
@blueprint.response(200, TicketOut, headers=ETAG_HEADER)
@blueprint.alt_response(404, description="No such ticket")
@blueprint.alt_response(412, description="The ticket changed since the If-Match version")
def change(values, number: str):
    """Change state, priority, assignee or type (which moves the ticket to another queue)."""
    changes = {name: values[name] for name in ("status", "priority") if values.get(name)}
    if "assignee_id" in values:
        changes["assignee_id"] = values["assignee_id"]
    if values.get("type_code"):
        kind = queues.request_type_by_code(values["type_code"])
        if kind is None:
            return problem(422, "Unknown request type.", [{"name": "type_code", "in": "body",
                                                           "detail": "Unknown request type."}])
        changes["request_type_id"] = str(kind.id)
    return _with_version(number, lambda ticket, seen: staff_actions.update_ticket(ticket, actor(), changes, seen))



