"""Confirmation of destructive console actions, with and without JavaScript.

The form that starts the action carries `data-confirm="question"` and an empty hidden `confirmed` field
(templates/console/_confirm.html). static/console/confirm.js asks the question and sets the field; when the
script did not run, the field arrives empty and the view answers with a confirm page that posts the same fields
again with `confirmed=yes`. Either way the action runs only on a request that says it was confirmed.
"""

from __future__ import annotations

from flask import request

CONFIRMED = "yes"


def confirmed() -> bool:
    return request.form.get("confirmed") == CONFIRMED


def confirm_page(view, question: str, button: str, cancel_url: str, detail: str | None = None):
    """The page that asks `question` and re-posts this request's fields (all but the token, which the page
    renders afresh) to the same address, with `confirmed=yes`."""
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in ("csrf_token", "confirmed")]
    return view.render("console/confirm.html", question=question, detail=detail, button=button,
                       action=request.path, fields=fields, cancel_url=cancel_url, title="Please confirm")
