"""What every conversation shares (a support request's thread, a Virus Lab request's): how a message body is
checked, and who a message says wrote it. The threads differ in their states and files; these rules do not."""

from __future__ import annotations

import re

from backoffice.models.support import AuthorKind, MessageKind
from backoffice.security import Actor
from backoffice.services import ServiceError

BODY_MAX = 20_000
EMPTY = "Write a message or attach a file."
# what a textarea may carry: tabs and line breaks, but no NUL (PostgreSQL refuses it) or other control characters
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_files(uploads: list) -> bool:
    return any(getattr(upload, "filename", None) for upload in uploads)


def check_body(body: str | None, uploads: list, empty: str = EMPTY, field: str = "body") -> str:
    """The body as stored: stripped, without control characters; refused if empty with no file, or too long."""
    body = _CONTROL.sub("", body if isinstance(body, str) else "").strip()
    if not body and not has_files(uploads):
        raise ServiceError(empty, field)
    if len(body) > BODY_MAX:
        raise ServiceError(f"Keep the message under {BODY_MAX:,} characters.", field)
    return body


def message_kind(internal: bool) -> MessageKind:
    return MessageKind.NOTE if internal else MessageKind.REPLY


def author_fields(author_kind: str, actor: Actor) -> dict:
    """The author columns of a message row (both thread models name them alike)."""
    return {
        "author_kind": author_kind,
        "author_label": actor.label or "",
        "author_customer_id": actor.id if author_kind == AuthorKind.CUSTOMER else None,
        "author_staff_id": actor.id if author_kind == AuthorKind.STAFF else None,
    }
