"""Counting failed sign-ins per client address and per e-mail address, in the rate limiter's storage.

The counters live where Flask-Limiter keeps its own (memory in development, Redis in production), so every
app process sees the same counts. They are keyed by the address typed, whether or not an account has it:
an unknown address earns the captcha exactly like a known one, and nothing tells them apart.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from limits import parse

from backoffice.extensions import limiter


def _window():
    return parse(f"1000000 per {current_app.config['LOGIN_FAILURE_WINDOW_SECONDS']} seconds")


def _keys(ip: str | None, email: str) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-failures/ip/{ip or 'unknown'}", f"login-failures/email/{digest}"]


def record_failure(ip: str | None, email: str) -> None:
    for key in _keys(ip, email):
        limiter.limiter.hit(_window(), key)


def captcha_required(ip: str | None, email: str | None = None) -> bool:
    """True once either counter reaches LOGIN_CAPTCHA_AFTER_FAILURES within the window."""
    threshold = current_app.config["LOGIN_CAPTCHA_AFTER_FAILURES"]
    keys = _keys(ip, email or "")
    if not email:
        keys = keys[:1]
    window = _window()
    for key in keys:
        remaining = limiter.limiter.get_window_stats(window, key).remaining
        if window.amount - remaining >= threshold:
            return True
    return False


def clear_address(email: str) -> None:
    """A successful sign-in forgives the failures counted against that address."""
    window = _window()
    limiter.limiter.clear(window, _keys(None, email)[1])
