"""News mail (FAQ §01): sent only to subscribers, each message with a one-click unsubscribe (RFC 8058).

The unsubscribe link carries a signed token naming the customer: it needs no sign-in and no stored state,
and it stays valid, as a link in an old newsletter should.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import queue_mail
from backoffice.models import Customer, CustomerStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record

_SALT = "news-unsubscribe"
BATCH = 500


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(customer: Customer) -> str:
    return _serializer().dumps({"c": customer.id, "e": customer.email})


def unsubscribe_url(customer: Customer) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/unsubscribe/{unsubscribe_token(customer)}"


def customer_for_unsubscribe(token: str) -> Customer:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise ServiceError("This unsubscribe link is not valid.") from None
    customer = db.session.get(Customer, data.get("c")) if isinstance(data, dict) else None
    if customer is None or customer.email != data.get("e"):  # an address changed since: the old link is void
        raise ServiceError("This unsubscribe link is not valid.")
    return customer


def unsubscribe(token: str, actor: Actor) -> Customer:
    customer = customer_for_unsubscribe(token)
    if customer.news_subscribed:
        customer.news_subscribed = False
        record(actor, "customer.news_unsubscribed", customer, label=actor.label or customer.email,
               after={"via": "one-click link"})
        db.session.commit()
    return customer


def queue_news(customer: Customer, subject: str, body: str) -> None:
    url = unsubscribe_url(customer)
    queue_mail(customer.email, subject, "news", customer=customer, body=body, unsubscribe_url=url,
               headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def send_news(subject: str, body: str, actor: Actor, progress: Callable[[int], None] | None = None) -> int:
    """Queue one message per active subscriber, committed in batches; returns how many were queued."""
    subject, body = subject.strip(), body.strip()
    if not subject or not body:
        raise ServiceError("A news message needs a subject and a body.")
    sent, last_id = 0, 0
    while True:
        batch = db.session.scalars(
            select(Customer).where(Customer.news_subscribed.is_(True), Customer.status == CustomerStatus.ACTIVE,
                                   Customer.id > last_id).order_by(Customer.id).limit(BATCH)).all()
        if not batch:
            break
        for customer in batch:
            queue_news(customer, subject, body)
        last_id = batch[-1].id
        sent += len(batch)
        db.session.commit()
        if progress:
            progress(len(batch))
    record(actor, "news.sent", None, object_type="news", after={"subject": subject, "recipients": sent})
    db.session.commit()
    return sent
