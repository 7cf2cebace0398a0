"""ETags on reads and If-Match on writes. A ticket's version is what the console's forms carry (its last message
and last history entry, meanwhile.Seen), so a stale API write is refused under the same row lock as a stale
console post; every other resource's ETag is a hash of its representation."""

from __future__ import annotations

import hashlib
import json
import re

from flask import current_app, request

from backoffice.api.problems import problem
from backoffice.services.support.meanwhile import Seen

_TICKET_TAG = re.compile(r'(?:W/)?"m(\d{1,19})e(\d{1,19})"')


def body_etag(payload) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def ticket_etag(seen: Seen) -> str:
    return f'"m{seen.message_id}e{seen.event_id}"'


def if_match_values() -> list[str] | None:
    header = request.headers.get("If-Match")
    if header is None:
        return None
    return [part.strip() for part in header.split(",") if part.strip()]


def ticket_if_match() -> Seen | None | bool:
    """The ticket version an If-Match names; None when there is no If-Match (nothing checked); False when it names
    no version this API gave out (then nothing can match: 412)."""
    values = if_match_values()
    if values is None or values == ["*"]:
        return None
    for value in values:
        found = _TICKET_TAG.fullmatch(value)
        if found:
            return Seen(int(found.group(1)), int(found.group(2)))
    return False


def stale_problem(detail: str = "The resource changed since the ETag in If-Match was read; read it again."):
    return problem(412, detail, [{"name": "If-Match", "in": "header", "detail": detail}])


def check_if_match(current: str):
    """412 when an If-Match is sent and does not name the current ETag."""
    values = if_match_values()
    if values is None or "*" in values or current in values or f"W/{current}" in values:
        return None
    return stale_problem()


def json_response(payload, etag: str | None = None, status: int = 200, headers: dict | None = None):
    """The JSON answer with its ETag; 304 when If-None-Match already names it."""
    if etag and request.method == "GET":
        wanted = request.headers.get("If-None-Match", "")
        if etag in [part.strip().removeprefix("W/") for part in wanted.split(",")]:
            response = current_app.response_class(status=304)
            response.headers["ETag"] = etag
            return response
    response = current_app.response_class(current_app.json.dumps(payload), status=status,
                                          mimetype="application/json")
    if etag:
        response.headers["ETag"] = etag
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
