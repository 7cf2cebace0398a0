"""The largest body each upload endpoint accepts, applied before anything reads the body.

An endpoint's own check ran too late: the CSRF check (an app-wide hook) reads the form, and so the whole body, up
to MAX_CONTENT_LENGTH, before any blueprint hook or view could set its smaller limit. Endpoints register their
limit here; web.py's first hook sets `request.max_content_length` (which also caps a body sent without a length)
and refuses a declared length over it with the endpoint's own message, before a byte is read.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request

# endpoint → () -> (allowed bytes, the sentence the 413 page says)
_LIMITS: dict[str, Callable[[], tuple[int, str]]] = {}


def body_limit(*endpoints: str):
    """Register the decorated function as the body limit of `endpoints` (POSTs only)."""

    def register(limit: Callable[[], tuple[int, str]]):
        for endpoint in endpoints:
            _LIMITS[endpoint] = limit
        return limit

    return register


def body_too_large() -> str | None:
    """Apply this request's endpoint limit; the 413 message if its declared length is over it, else None."""
    limit = _LIMITS.get(request.endpoint or "") if request.method == "POST" else None
    if limit is None:
        return None
    allowed, message = limit()
    request.max_content_length = allowed
    if request.content_length is not None and request.content_length > allowed:
        return message
    return None
