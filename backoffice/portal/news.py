"""One-click unsubscribe from the news (RFC 8058): a page with a button, and the POST that mail clients send."""

from __future__ import annotations

from flask import render_template, request

from backoffice.extensions import csrf
from backoffice.portal import portal
from backoffice.security import request_actor
from backoffice.services import ServiceError, news


@portal.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST "List-Unsubscribe=One-Click" with no session; the signed token is the proof
def unsubscribe(token: str):
    try:
        if request.method == "POST":
            customer = news.unsubscribe(token, request_actor())
            return render_template("portal/unsubscribed.html", title="Unsubscribed", email=customer.email)
        customer = news.customer_for_unsubscribe(token)
    except ServiceError as error:
        return render_template("portal/link_invalid.html", title="Link not valid", message=error.message), 404
    return render_template("portal/unsubscribe.html", title="Unsubscribe from the news", email=customer.email)
