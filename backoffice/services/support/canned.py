"""Canned responses: texts admins maintain and engineers insert into replies."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import CannedResponse
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record


def all_responses() -> list[CannedResponse]:
    return list(db.session.scalars(select(CannedResponse).order_by(CannedResponse.title)))


def save(response: CannedResponse, title: str, body: str, actor: Actor) -> CannedResponse:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise ServiceError("Give the response a title of at most 120 characters.", "title")
    if not body:
        raise ServiceError("Write the text of the response.", "body")
    clash = db.session.scalar(select(CannedResponse).where(CannedResponse.title == title))
    if clash is not None and clash is not response:
        raise ServiceError("Another canned response has this title.", "title")
    before = {"title": response.title, "body": response.body} if response.id else None
    response.title, response.body, response.updated_at = title, body, utcnow()
    db.session.add(response)
    db.session.flush()
    record(actor, "canned_response.saved", response, before=before, after={"title": title, "body": body})
    db.session.commit()
    return response


def remove(response: CannedResponse, actor: Actor) -> None:
    record(actor, "canned_response.deleted", response, before={"title": response.title})
    db.session.delete(response)
    db.session.commit()
