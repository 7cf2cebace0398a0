"""Webhooks end to end: a real HTTP receiver on loopback that checks each signature and answers 500 twice, then
200; a real worker delivers: the receiver's application takes the event once, and three attempts are logged."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import DeliveryState, Job, WebhookAttempt, WebhookDelivery
from backoffice.security import Actor
from backoffice.services import webhooks
from tests.api.helpers import bearer, token_for
from tests.api.seed import seed
from tests.conftest import wait_until


class Receiver:
    """Answers the first `failures` posts with 500; afterwards accepts each event id once (its application)."""

    def __init__(self, failures: int = 2):
        self.secret = None
        self.failures = failures
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  the stdlib's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["Webhook-Timestamp"]
                expected = "v1=" + hmac.new(receiver.secret.encode(), timestamp.encode() + b"." + body,
                                            hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(expected, self.headers["Webhook-Signature"])
                receiver.requests.append({"signed": signed, "id": self.headers["Webhook-Id"]})
                if not signed:
                    status = 401
                elif len(receiver.requests) <= receiver.failures:
                    status = 500
                else:
                    event = json.loads(body)
                    if event["id"] not in {e["id"] for e in receiver.accepted}:
                        receiver.accepted.append(event)
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def test_a_receiver_down_twice_gets_the_event_once_after_three_logged_attempts(app, client, make, workers,
                                                                                receiver):
    admin = make.staff("admin")
    subscription, receiver.secret = webhooks.create_subscription(
        receiver.url, ["ticket.replied", "ticket.state_changed"], "CRM", Actor("staff", admin.id, admin.email))
    rows = seed(make)
    db.session.query(WebhookDelivery).delete()  # the seed's own ticket events (none subscribed to created)
    db.session.commit()
    answer = client.post(f"/api/v1/tickets/{rows['ticket'].number}/notes", headers=bearer(token_for(admin)),
                         json={"body": "Checked the licence: fine."})
    assert answer.status_code == 200
    assert db.session.scalars(select(WebhookDelivery)).all() == []  # a note is neither a reply nor a state change
    answer = client.post(f"/api/v1/tickets/{rows['ticket'].number}/replies", headers=bearer(token_for(admin)),
                         json={"body": "Five seats cost 99 EUR."})
    assert answer.status_code == 200
    deliveries = db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    # the reply, and the state change it made (new -> open): written with the reply, one job each
    assert sorted(d.event for d in deliveries) == ["ticket.replied", "ticket.state_changed"]
    replied = next(d for d in deliveries if d.event == "ticket.replied")
    db.session.query(WebhookDelivery).filter(WebhookDelivery.id != replied.id).delete()
    db.session.query(Job).filter(Job.kind == webhooks.DELIVER,
                                 Job.payload["delivery_id"].as_integer() != replied.id).delete(
        synchronize_session=False)
    db.session.commit()

    workers.start("--kind", webhooks.DELIVER, WEBHOOK_RETRY_BASE_SECONDS=0)

    def delivered():
        db.session.expire_all()
        return db.session.get(WebhookDelivery, replied.id).state == DeliveryState.DELIVERED

    wait_until(delivered, timeout=30, message="the delivery to succeed")
    assert len(receiver.accepted) == 1 and receiver.accepted[0]["event"] == "ticket.replied"
    assert receiver.accepted[0]["data"]["ticket"] == rows["ticket"].number
    assert len(receiver.requests) == 3 and all(r["signed"] for r in receiver.requests)
    assert len({r["id"] for r in receiver.requests}) == 1
    attempts = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == replied.id)
                                  .order_by(WebhookAttempt.id)).all()
    assert [a.status_code for a in attempts] == [500, 500, 200]

    # the console's log shows the attempts; Replay sends the same event again (the receiver deduplicates)
    from tests.factories import PASSWORD

    client.post("/console/login", data={"email": admin.email, "password": PASSWORD})
    page = client.get(f"/console/webhooks/deliveries/{replied.id}")
    assert page.status_code == 200 and page.data.count(b"HTTP 500") == 2 and b"HTTP 200" in page.data
    client.post(f"/console/webhooks/deliveries/{replied.id}/replay")
    copy = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.replay_of_id == replied.id))
    assert copy is not None and copy.event_id == replied.event_id

    def replayed():
        db.session.expire_all()
        return db.session.get(WebhookDelivery, copy.id).state == DeliveryState.DELIVERED

    wait_until(replayed, timeout=30, message="the replay to arrive")
    assert len(receiver.requests) == 4 and len(receiver.accepted) == 1


def test_an_event_rolled_back_with_its_change_sends_nothing(app, make):
    admin = make.staff("admin")
    webhooks.create_subscription("http://127.0.0.1:9/none", ["code.added"], None,
                                 Actor("staff", admin.id, admin.email))
    webhooks.emit("code.added", {"code": "X"})
    db.session.rollback()
    assert db.session.scalars(select(WebhookDelivery)).all() == []
    assert db.session.scalars(select(Job).where(Job.kind == webhooks.DELIVER)).all() == []


def test_a_receiver_down_for_hours_is_retried_with_backoff_for_a_day_then_failed(app, make):
    """In-process worker runs with the clock moved to each retry: the waits double (capped), attempts go on
    through an hour-long outage and beyond, and a day after the event the delivery is marked failed."""
    from datetime import timedelta

    from backoffice.clock import set_now, utcnow
    from backoffice.jobs.worker import run_due

    admin = make.staff("admin")
    webhooks.create_subscription("http://127.0.0.1:9/down", ["code.added"], None,
                                 Actor("staff", admin.id, admin.email))
    webhooks.emit("code.added", {"code": "AAAAA-BBBBB-CCCCC-DDDDD"})
    db.session.commit()
    delivery = db.session.scalar(select(WebhookDelivery))
    start = utcnow()
    waits, now = [], start
    try:
        for _ in range(40):
            set_now(now)
            run_due(kind_names=[webhooks.DELIVER])
            job = db.session.scalar(select(Job).where(Job.kind == webhooks.DELIVER))
            if job.state != "queued":
                break
            waits.append((job.run_after - now).total_seconds())
            now = job.run_after
    finally:
        set_now(None)
    db.session.expire_all()
    delivery = db.session.get(WebhookDelivery, delivery.id)
    assert delivery.state == DeliveryState.FAILED
    base = app.config["WEBHOOK_RETRY_BASE_SECONDS"]
    assert waits[:3] == [base, base * 2, base * 4]
    assert max(waits) == app.config["JOB_RETRY_MAX_SECONDS"]
    attempts = db.session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id)).all()
    last_try = max(a.attempted_at for a in attempts)
    assert timedelta(hours=1) < last_try - start <= timedelta(hours=app.config["WEBHOOK_RETRY_HOURS"])
    assert all(a.status_code is None and a.error for a in attempts)
