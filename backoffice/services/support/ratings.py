"""Satisfaction: good or bad (and a comment) on a resolved request, from the portal or a signed mail link.
Ratings count for the engineer who had the ticket and for its queue."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import case, func, select

from backoffice.extensions import db
from backoffice.models import Rating, StaffUser, SupportRequestType, Ticket
from backoffice.models.support import RatingScore, TicketStatus
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support.access import NotFound
from backoffice.services.support.history import log_event

COMMENT_MAX = 2000


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ticket-rating")


def rating_token(ticket: Ticket) -> str:
    return _serializer().dumps({"t": ticket.id, "n": ticket.number})


def rating_url(ticket: Ticket) -> str:
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/support/rate/{rating_token(ticket)}"


def ticket_from_token(token: str) -> Ticket:
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise NotFound() from None
    ticket = db.session.get(Ticket, payload.get("t"))
    if ticket is None or ticket.number != payload.get("n"):
        raise NotFound()
    return ticket


def may_rate(ticket: Ticket) -> bool:
    return ticket.merged_into_id is None and ticket.resolved_at is not None and ticket.status in (
        TicketStatus.RESOLVED, TicketStatus.CLOSED)


def rating_of(ticket: Ticket) -> Rating | None:
    return db.session.scalar(select(Rating).where(Rating.ticket_id == ticket.id))


def rate(ticket: Ticket, score: str, comment: str, actor: Actor) -> Rating:
    if score not in set(RatingScore):
        raise ServiceError("Choose good or bad.", "score")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ServiceError(f"Keep the comment under {COMMENT_MAX:,} characters.", "comment")
    if not may_rate(ticket):
        raise ServiceError("A request can be rated once it is resolved.", "score")
    rating = rating_of(ticket) or Rating(ticket_id=ticket.id)
    before = {"score": rating.score} if rating.id else None
    rating.score, rating.comment = score, comment
    rating.engineer_id, rating.request_type_id = ticket.assignee_id, ticket.request_type_id
    db.session.add(rating)
    log_event(ticket, actor, "rated", before, {"score": score})
    db.session.commit()
    return rating


def _summary(group_column, label_column, join):
    good = func.sum(case((Rating.score == RatingScore.GOOD, 1), else_=0))
    query = (select(label_column, func.count(Rating.id), good).select_from(Rating).outerjoin(*join)
             .group_by(label_column).order_by(label_column))
    return [{"label": label or "(nobody)", "total": total, "good": good_count or 0,
             "bad": total - (good_count or 0), "share": (good_count or 0) / total if total else 0}
            for label, total, good_count in db.session.execute(query)]


def by_engineer() -> list[dict]:
    return _summary(Rating.engineer_id, StaffUser.email, (StaffUser, StaffUser.id == Rating.engineer_id))


def by_queue() -> list[dict]:
    return _summary(Rating.request_type_id, SupportRequestType.name,
                    (SupportRequestType, SupportRequestType.id == Rating.request_type_id))
