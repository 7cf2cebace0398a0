"""Every API error as an RFC 9457 problem (application/problem+json), with one entry per field when fields are
wrong: refused arguments (webargs' messages), a service's refusal (ServiceError and its field), an HTTP error."""

from __future__ import annotations

import http

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from backoffice.api.contract import PROBLEM_TYPE
from backoffice.services import ServiceError

LOCATIONS = {"json": "body", "query": "query", "view_args": "path", "headers": "header", "form": "body"}


def problem(status: int, detail: str | None = None, errors: list[dict] | None = None, *,
            type_: str = "about:blank", title: str | None = None, headers: dict | None = None):
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {"type": type_, "title": title or phrase, "status": status, "instance": request.path}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = current_app.response_class(current_app.json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def field_errors(messages, location: str = "body") -> list[dict]:
    """webargs/marshmallow messages ({location: {field: [text]}} or {field: [text]}) as a flat list."""
    found: list[dict] = []

    def walk(value, name: str, where: str):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{name}.{key}" if name else str(key), where)
        elif isinstance(value, list | tuple):
            if all(isinstance(item, str) for item in value):
                found.append({"name": name or "_request", "in": where, "detail": " ".join(value)})
            else:
                for index, item in enumerate(value):
                    walk(item, f"{name}.{index}", where)
        else:
            found.append({"name": name or "_request", "in": where, "detail": str(value)})

    if isinstance(messages, dict) and messages and set(messages) <= set(LOCATIONS):
        for where, inner in messages.items():
            walk(inner, "", LOCATIONS[where])
    else:
        walk(messages, "", location)
    return found


def service_problem(error: ServiceError, status: int = 422, location: str = "body"):
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict):
        entries = [{"name": name, "in": location, "detail": text} for name, text in errors.items()]
    elif error.field:
        entries = [{"name": error.field, "in": location, "detail": error.message}]
    else:
        entries = None
    return problem(status, error.message, entries)


def http_problem(error: HTTPException):
    """An HTTPException raised inside an API view (webargs' 422 carries the field messages in `data`)."""
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    code = error.code or 500
    detail = data.get("message")
    if messages:
        detail = detail or "Some of what was sent cannot be accepted; see the errors of each field."
    elif code < 500:
        detail = detail or error.description
    headers = dict(data.get("headers") or {})
    if code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(code, detail, field_errors(messages) if messages else None, headers=headers)
