"""Webhooks: an event written with the change that causes it, delivered by a job, signed, retried for a day.

- `emit(event, data)` adds one WebhookDelivery per active subscription to `event`, and its `webhook.deliver` job,
  to the caller's transaction: a delivery exists exactly when the change commits (nothing is sent for a change
  that rolled back).
- The job POSTs `{"id", "event", "created_at", "data"}` with `Webhook-Id`, `Webhook-Timestamp` and
  `Webhook-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" under the subscription's secret>`; each try is
  logged (status code or error, duration) in its own commit, so a retried delivery shows every attempt. A 2xx
  delivers; anything else is retried with the queue's exponential backoff until WEBHOOK_RETRY_HOURS after the
  event, then the delivery is marked failed. At least once: receivers deduplicate by `Webhook-Id` (a replay keeps it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.jobs.queue import enqueue
from backoffice.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookSubscription
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record

DELIVER = "webhook.deliver"
EVENTS = {
    "ticket.created": "A ticket was created",
    "ticket.replied": "A ticket got a reply (customer or staff)",
    "ticket.state_changed": "A ticket changed state",
    "ticket.assigned": "A ticket was assigned or unassigned",
    "lab.request_submitted": "A Virus Lab request was submitted",
    "lab.verdict_set": "A sample got a verdict",
    "code.blacklisted": "Activation codes were blacklisted",
    "code.added": "An activation code was added to a customer's account",
}
SIGNATURE_HEADER = "Webhook-Signature"
ERROR_CHARS = 500
USER_AGENT = "backoffice-webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def emit(event: str, data: dict) -> list[WebhookDelivery]:
    """Queue `event` for every active subscription to it, in the caller's transaction (no commit)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    subscriptions = [s for s in db.session.scalars(select(WebhookSubscription)
                                                  .where(WebhookSubscription.is_active.is_(True)))
                     if event in (s.events or ())]
    deliveries = []
    if not subscriptions:
        return deliveries
    event_id = secrets.token_hex(16)
    payload = json.loads(json.dumps(data, default=str))  # what the JSON column can hold, times as text
    for subscription in subscriptions:
        delivery = WebhookDelivery(subscription_id=subscription.id, event=event, event_id=event_id, payload=payload,
                                   state=DeliveryState.PENDING, attempts=0, created_at=utcnow())
        db.session.add(delivery)
        db.session.flush()
        enqueue(DELIVER, {"delivery_id": delivery.id})
        deliveries.append(delivery)
    return deliveries


def ticket_event(ticket, action: str, before: dict | None, after: dict | None) -> None:
    """The webhook events of one ticket history entry (history.log_event, which every ticket change passes)."""
    after = after or {}
    events = []
    if action == "created":
        events.append("ticket.created")
    if action in ("staff_replied", "customer_replied"):
        events.append("ticket.replied")
    if "status" in after:
        events.append("ticket.state_changed")
    if action == "assigned":
        events.append("ticket.assigned")
    for event in events:
        emit(event, {"ticket": ticket.number, "action": action, "before": before, "after": after,
                     "status": ticket.status, "priority": ticket.priority, "assignee_id": ticket.assignee_id,
                     "customer_id": ticket.customer_id})


# ---- subscriptions (the console's admin page) ----

def check_subscription(url: str, events: list[str]) -> None:
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise ServiceError("Give the receiver's address, starting with https:// (or http://).", "url")
    unknown = [event for event in events or () if event not in EVENTS]
    if unknown or not events:
        raise ServiceError("Choose at least one of the listed events.", "events")


def create_subscription(url: str, events: list[str], description: str | None, actor: Actor) -> tuple[
        WebhookSubscription, str]:
    """A new subscription (committed) and its signing secret, which the admin gives the receiver."""
    check_subscription(url, events)
    secret = "whsec_" + secrets.token_urlsafe(32)
    subscription = WebhookSubscription(url=url.strip(), events=sorted(set(events)), secret=secret, is_active=True,
                                       description=(description or "").strip()[:200] or None, created_at=utcnow())
    db.session.add(subscription)
    db.session.flush()
    record(actor, "webhook.subscription_created", subscription, after={"url": subscription.url,
                                                                       "events": subscription.events})
    db.session.commit()
    return subscription, secret


def replay(delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a logged delivery again as a new delivery (same event id and body), queued now."""
    copy = WebhookDelivery(subscription_id=delivery.subscription_id, event=delivery.event,
                           event_id=delivery.event_id, payload=delivery.payload, state=DeliveryState.PENDING,
                           attempts=0, created_at=utcnow(), replay_of_id=delivery.id)
    db.session.add(copy)
    db.session.flush()
    enqueue(DELIVER, {"delivery_id": copy.id})
    record(actor, "webhook.replayed", copy, after={"replay_of": delivery.id, "event": delivery.event})
    db.session.commit()
    return copy


# ---- the job ----

def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps({"id": delivery.event_id, "event": delivery.event,
                       "created_at": delivery.created_at.isoformat().replace("+00:00", "Z"),
                       "data": delivery.payload}, separators=(",", ":"), sort_keys=True).encode()


def _give_up(_job_id: int, payload: dict, error: str) -> None:
    delivery = db.session.get(WebhookDelivery, payload.get("delivery_id"))
    if delivery is not None and delivery.state == DeliveryState.PENDING:
        delivery.state = DeliveryState.FAILED


def _queue_again(_job_id: int, payload: dict) -> None:
    delivery = db.session.get(WebhookDelivery, payload.get("delivery_id"))
    if delivery is not None and delivery.state == DeliveryState.FAILED:
        delivery.state = DeliveryState.PENDING


@job_kind(DELIVER, max_attempts_key="WEBHOOK_MAX_ATTEMPTS", retry_base_key="WEBHOOK_RETRY_BASE_SECONDS",
          lease_key="WEBHOOK_LEASE_SECONDS", on_give_up=_give_up, on_retry=_queue_again)
def deliver(claim: Claim, _context) -> None:
    delivery = db.session.get(WebhookDelivery, claim.payload.get("delivery_id"))
    if delivery is None or delivery.state == DeliveryState.DELIVERED:
        return
    window = timedelta(hours=current_app.config["WEBHOOK_RETRY_HOURS"])
    if utcnow() > delivery.created_at + window:
        raise PermanentJobError(f"not delivered within {current_app.config['WEBHOOK_RETRY_HOURS']} hours")
    subscription = delivery.subscription
    body = body_of(delivery)
    timestamp = int(time.time())
    request = urllib.request.Request(subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": USER_AGENT, "Webhook-Id": delivery.event_id,
        "Webhook-Event": delivery.event, "Webhook-Timestamp": str(timestamp),
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body)})
    started = time.monotonic()
    status, error = None, None
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            status = response.status
    except urllib.error.HTTPError as refused:
        status = refused.code
        refused.close()
    except (OSError, ValueError) as failure:  # refused, timed out, unreachable, a bad address
        error = f"{type(failure).__name__}: {failure}"[:ERROR_CHARS]
    duration = int((time.monotonic() - started) * 1000)
    delivered = status is not None and 200 <= status < 300
    db.session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=utcnow(), status_code=status, error=error,
                                  duration_ms=duration))
    delivery.attempts += 1
    delivery.last_status = status
    if delivered:
        delivery.state = DeliveryState.DELIVERED
        delivery.delivered_at = utcnow()
    db.session.commit()  # the attempt is logged whatever the job's outcome
    if not delivered:
        raise RuntimeError(error or f"the receiver answered {status}")
