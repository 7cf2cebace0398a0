"""Error pages under /console in the console's own look: its menu (what this person may open), its links, and
words for staff. backoffice/web.py asks here first for a /console path and falls back to the portal's page."""

from __future__ import annotations

import logging

from flask import current_app

log = logging.getLogger("backoffice")


def console_error_page(code: int, title: str, message: str | None) -> str | None:
    """The page, rendered through the console's index view (so the menu and styles are the console's); None when
    the console cannot render it (e.g. the error came from the console's own templates)."""
    admins = current_app.extensions.get("admin") or []
    if not admins:
        return None
    try:
        return admins[0].index_view.render("console/error.html", code=code, title=title, message=message)
    except Exception:  # the portal's page is still a page; a second failure must not become an error loop
        log.exception("the console error page could not be rendered")
        return None
