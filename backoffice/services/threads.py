"""What every conversation shares (a support request's thread, a Virus Lab request's): how a message body is
checked, and who a message says wrote it. The threads differ in their states and files; these rules do not."""

from __future__ import annotations

from backoffice.inputs.text import text_problem
from backoffice.models.support import AuthorKind, MessageKind
from backoffice.security import Actor
from backoffice.services import ServiceError

BODY_MAX = 20_000
EMPTY = "Write a message or attach a file."


def has_files(uploads: list) -> bool:
    return any(getattr(upload, "filename", None) for upload in uploads)


def check_body(body: str | None, uploads: list, empty: str = EMPTY, field: str = "body") -> str:
    """The body as stored, stripped; refused with the input boundary's message (a NUL or control character,
    bytes that are not UTF-8, over BODY_MAX), or if empty with no file."""
    body = body if isinstance(body, str) else ""
    problem = text_problem(body, multiline=True, max_length=BODY_MAX)
    if problem:
        raise ServiceError(problem, field)
    body = body.strip()
    if not body and not has_files(uploads):
        raise ServiceError(empty, field)
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
