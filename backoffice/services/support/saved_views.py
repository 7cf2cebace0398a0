"""Saved views: an engineer's own names for a set of queue filters and a sort ("Urgent in Technical problem").

A view keeps the queue's canonical query string (queues.Filters.as_args: known filters and the sort, never a page
cursor), so opening it is an ordinary link to the list, and a filter that no longer exists is dropped quietly.
Each engineer sees, renames and deletes only their own.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backoffice.extensions import db
from backoffice.inputs.text import text_problem
from backoffice.models import SavedQueueView
from backoffice.services import ServiceError
from backoffice.services.support.queues import Filters

NAME_LENGTH = 80
MAX_VIEWS = 30  # per engineer: the sidebar lists them all


def for_staff(staff_id: int) -> list[SavedQueueView]:
    return list(db.session.scalars(select(SavedQueueView).where(SavedQueueView.staff_id == staff_id)
                                   .order_by(func.lower(SavedQueueView.name), SavedQueueView.id).limit(MAX_VIEWS)))


def canonical_args(args) -> dict:
    """The filters and sort of a query string (a MultiDict or a dict), as the list itself would write them."""
    return {key: str(value) for key, value in Filters.from_args(args).as_args().items()}


def save(staff_id: int, name, args) -> SavedQueueView:
    """Save the list of `args` under `name` for this engineer."""
    name = _name(name)
    if db.session.scalar(select(func.count()).select_from(SavedQueueView)
                         .where(SavedQueueView.staff_id == staff_id)) >= MAX_VIEWS:
        raise ServiceError(f"You have {MAX_VIEWS} saved views already; delete one first.", "name")
    _refuse_taken(staff_id, name, None)
    view = SavedQueueView(staff_id=staff_id, name=name, args=canonical_args(args))
    db.session.add(view)
    _commit(name)
    return view


def rename(staff_id: int, view_id: int, name) -> SavedQueueView:
    view = get(staff_id, view_id)
    name = _name(name)
    _refuse_taken(staff_id, name, view.id)
    view.name = name
    _commit(name)
    return view


def delete(staff_id: int, view_id: int) -> str:
    view = get(staff_id, view_id)
    name = view.name
    db.session.delete(view)
    db.session.commit()
    return name


def get(staff_id: int, view_id: int | None) -> SavedQueueView:
    view = db.session.get(SavedQueueView, view_id) if view_id else None
    if view is None or view.staff_id != staff_id:
        raise LookupError(view_id)  # another engineer's view is as unknown as a missing one
    return view


def _name(value) -> str:
    name = " ".join(value.split()) if isinstance(value, str) else ""
    if not name:
        raise ServiceError("Give the view a name.", "name")
    problem = text_problem(name, max_length=NAME_LENGTH)
    if problem:
        raise ServiceError(problem, "name")
    return name


def _taken(name: str) -> ServiceError:
    return ServiceError(f"You already have a view named “{name}”. Choose another name.", "name")


def _refuse_taken(staff_id: int, name: str, other_than: int | None) -> None:
    """The same name twice (in any case) is refused with a message, not a unique-constraint 500."""
    same = select(SavedQueueView.id).where(SavedQueueView.staff_id == staff_id,
                                          func.lower(SavedQueueView.name) == name.lower())
    if other_than is not None:
        same = same.where(SavedQueueView.id != other_than)
    if db.session.scalar(same.limit(1)) is not None:
        raise _taken(name)


def _commit(name: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:  # the same name saved at the same moment from another tab
        db.session.rollback()
        raise _taken(name) from None
