"""The portal's one guard for pages behind the customer sign-in.

    @portal.route("/codes")
    @customer_required
    def codes(): ...

Anonymous visitors (and staff, whose console login is not a customer login) go to the portal sign-in page,
which brings them back to the page they asked for.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import redirect, request, url_for

from backoffice.security import current_customer


def customer_required(view):
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_customer() is None:
            return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return guarded


def safe_next(target: str | None, default_endpoint: str = "portal.home") -> str:
    """Only a same-site portal path; anything else (an open redirect, the console) goes to `default_endpoint`."""
    if target:
        parts = urlsplit(target)
        if (not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//")
                and not parts.path.startswith("/console")):
            return target
    return url_for(default_endpoint)
