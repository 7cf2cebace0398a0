"""/api/v1/audit: the audit trail, newest first, by keyset cursor (read only, admins)."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from backoffice.api.auth import requires
from backoffice.api.blueprints import api_blueprint
from backoffice.api.etags import body_etag, json_response
from backoffice.api.schemas import Page, dump_time
from backoffice.extensions import db
from backoffice.inputs.json_fields import Id, Text
from backoffice.models import AuditEvent

blueprint = api_blueprint("audit", "The audit trail")
PAGE_SIZE = 100


class AuditArgs(ma.Schema):
    action = Text(max_length=64)
    object_type = Text(max_length=32)
    object_id = Text(max_length=64)
    after = Id(metadata={"description": "The next_cursor of the previous page"})


class AuditEventOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    created_at = ma.fields.String(required=True)
    actor_type = ma.fields.String(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    actor = ma.fields.String(allow_none=True)
    action = ma.fields.String(required=True)
    object_type = ma.fields.String(allow_none=True)
    object_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    ip = ma.fields.String(allow_none=True)


class AuditPage(Page):
    items = ma.fields.List(ma.fields.Nested(AuditEventOut), required=True)


@blueprint.route("/audit", methods=["GET"])
@requires("audit", "read")
@blueprint.arguments(AuditArgs, location="query", as_kwargs=True)
@blueprint.response(200, AuditPage)
def list_events(action=None, object_type=None, object_id=None, after=None):
    """Audit events, newest first; `action` (ix_audit_events_action_id) and object filters are index-backed."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if after:
        query = query.where(AuditEvent.id < after)
    rows = list(db.session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    payload = {"items": [{
        "id": e.id, "created_at": dump_time(e.created_at), "actor_type": e.actor_type, "actor_id": e.actor_id,
        "actor": e.actor_label, "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
        "before": e.before, "after": e.after, "ip": e.ip} for e in rows],
        "next_cursor": str(rows[-1].id) if more else None}
    return json_response(payload, body_etag(payload))
