"""Recording audit events. The caller's transaction carries the event, so it commits with the change."""

from __future__ import annotations

from typing import Any

from backoffice.extensions import db
from backoffice.models import AuditEvent
from backoffice.security import Actor


def record(
    actor: Actor,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    before: dict | None = None,
    after: dict | None = None,
    label: str | None = None,
) -> AuditEvent:
    """Add an AuditEvent for `action` on `obj` (or an explicit type and id) to the current session."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_type=actor.kind,
        actor_id=actor.id,
        actor_label=label or actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        ip=actor.ip,
    )
    db.session.add(event)
    return event


def changes(obj: Any, fields: list[str], new_values: dict) -> tuple[dict, dict]:
    """The before/after pair of just the fields that `new_values` really changes."""
    before, after = {}, {}
    for name in fields:
        if name in new_values and getattr(obj, name) != new_values[name]:
            before[name] = getattr(obj, name)
            after[name] = new_values[name]
    return before, after


def update_audited(obj: Any, fields: list[str], values: dict, actor: Actor, action: str) -> dict:
    """Set the `fields` of `obj` that `values` really changes and record them under `action` (no commit).

    Returns what changed (empty: nothing was written, not even an audit event)."""
    before, after = changes(obj, fields, values)
    if after:
        for name, value in after.items():
            setattr(obj, name, value)
        record(actor, action, obj, before=before, after=after)
    return after


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    return {key: value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
            for key, value in values.items()}
