"""Webhooks in the console (admins) at /console/webhooks/: subscriptions (address, events; the signing secret shown
once), the delivery log with each attempt's status code, and Replay."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select

from backoffice.console.access import ADMIN, StaffBaseView, write_required
from backoffice.extensions import db
from backoffice.inputs.text import showable_text
from backoffice.models import WebhookDelivery, WebhookSubscription
from backoffice.security import request_actor
from backoffice.services import ServiceError, webhooks

SHOWN = 100
STATE_LABELS = {"pending": "Waiting or retrying", "delivered": "Delivered", "failed": "Failed"}


class WebhookView(StaffBaseView):
    read_roles = ADMIN
    write_roles = ADMIN

    def _page(self, status: int = 200, errors=None, values=None, secret=None, created=None):
        subscriptions = list(db.session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id)))
        deliveries = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())
                                             .limit(SHOWN)))
        return self.render("console/webhooks.html", subscriptions=subscriptions, deliveries=deliveries,
                           events=webhooks.EVENTS, state_labels=STATE_LABELS, errors=errors or {},
                           values=values or {}, secret=secret, created=created, may_write=self.can_write(),
                           title="Webhooks"), status

    @expose("/")
    def index(self):
        return self._page()

    @expose("/subscriptions", methods=["POST"])
    @write_required
    def create(self):
        values = {"url": showable_text(request.form.get("url", "")), "events": request.form.getlist("events"),
                  "description": showable_text(request.form.get("description", ""))}
        try:
            subscription, secret = webhooks.create_subscription(request.form.get("url", ""),
                                                                request.form.getlist("events"),
                                                                request.form.get("description"), request_actor())
        except ServiceError as error:
            db.session.rollback()
            return self._page(422, {error.field or "url": error.message}, values)
        return self._page(201, secret=secret, created=subscription)

    @expose("/deliveries/<int:delivery_id>")
    def delivery(self, delivery_id: int):
        delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
        return self.render("console/webhook_delivery.html", delivery=delivery, state_labels=STATE_LABELS,
                           events=webhooks.EVENTS, may_write=self.can_write(),
                           title=f"Webhook delivery {delivery.id}")

    @expose("/deliveries/<int:delivery_id>/replay", methods=["POST"])
    @write_required
    def replay(self, delivery_id: int):
        delivery = db.session.get(WebhookDelivery, delivery_id) or abort(404)
        copy = webhooks.replay(delivery, request_actor())
        flash(f"Delivery {delivery.id} is queued again as delivery {copy.id}.", "success")
        return redirect(url_for(".delivery", delivery_id=copy.id))


def register(admin) -> None:
    admin.add_view(WebhookView(name="Webhooks", endpoint="webhooks", url="/console/webhooks", category="Admin"))
