"""The console's ticket lists: one queue per request type, "My tickets", "Unassigned", filters and search.

Every list is sorted by one of queue_sorting.SORTS (newest first unless asked) and pages by keyset (`after` =
the last row's sort key and id), so each page is one short walk down an index whatever the table's size; the
partial indexes on the model cover the active states. A word search lists the newest matches first (its id
window, below), whatever the sort.
Counts are bounded: exact up to QUEUE_COUNT_LIMIT, then "more than" that (a capped count reads at most
QUEUE_COUNT_LIMIT + 1 index entries). All the sidebar's counts come from one statement: a page of the
console costs a handful of queries, not one per queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import ColumnElement, Select, func, literal, select, text, union_all

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import Customer, SupportRequestType, Ticket
from backoffice.models.support import ACTIVE_STATUSES, TicketPriority, TicketStatus
from backoffice.models.types import one_of
from backoffice.services import ServiceError
from backoffice.services.counting import Count
from backoffice.services.customers import search_condition as customer_search
from backoffice.services.licensing.states import (
    PROBLEM_LABELS,
    CodeProblem,
    Standing,
    names_code_with_problem,
    standings,
)
from backoffice.services.support import numbers, queue_sorting, reading, sla
from backoffice.services.support.queue_sorting import DEFAULT_SORT, SORTS

PAGE_SIZE = 50
AGES = {"1": 1, "3": 3, "7": 7, "30": 30}  # "older than N days"
STATES = ["active", *[s.value for s in TicketStatus], "any"]
MIN_TEXT = 3
DUE_WITHIN_MAX_HOURS = 24 * 7
CODE_PROBLEMS = {"any": "Any code problem", **{problem.value: PROBLEM_LABELS[problem] for problem in CodeProblem}}


@dataclass
class Filters:
    queue: str | None = None  # request type code
    view: str = "all"  # all, mine, unassigned
    status: str = "active"
    priority: str | None = None
    product_id: int | None = None
    assignee_id: int | None = None
    customer_id: int | None = None  # one customer's tickets (the customer page's "all" link)
    age: str | None = None
    overdue: bool = False
    code_problem: str | None = None  # a CodeProblem, or "any"
    due_within: int | None = None  # hours: breaching within N hours or already overdue
    replied: bool = False  # the customer wrote again after the first response
    q: str = ""
    sort: str = DEFAULT_SORT
    direction: str = SORTS[DEFAULT_SORT].default
    after: str | None = None  # the page cursor (queue_sorting.encode)
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read filters from a query string; unknown values are dropped with a note, never a 500."""
        f = cls()
        f.queue = args.get("queue") or None
        f.view = args.get("view") if args.get("view") in ("all", "mine", "unassigned") else "all"
        f.status = args.get("status") if args.get("status") in STATES else "active"
        f.priority = args.get("priority") if args.get("priority") in set(TicketPriority) else None
        f.product_id = bounded_int(args.get("product"))
        f.assignee_id = bounded_int(args.get("assignee"))
        f.customer_id = bounded_int(args.get("customer"))
        f.age = args.get("age") if args.get("age") in AGES else None
        f.overdue = args.get("overdue") in ("1", "on", "yes")
        f.code_problem = args.get("code_problem") if args.get("code_problem") in CODE_PROBLEMS else None
        f.due_within = bounded_int(args.get("due_within"), maximum=DUE_WITHIN_MAX_HOURS, minimum=1)
        f.replied = args.get("replied") in ("1", "on", "yes")
        f.q = (args.get("q") or "").strip()[:200]
        f.sort = args.get("sort") if args.get("sort") in SORTS else DEFAULT_SORT
        order = SORTS[f.sort]
        f.direction = args.get("dir") if args.get("dir") in order.directions else order.default
        f.after = (args.get("after") or "")[:80] or None
        return f

    @property
    def order(self) -> queue_sorting.SortOrder:
        return SORTS[self.sort]

    def sort_args(self) -> dict:
        """The sort as query-string values, empty for the default order."""
        values = {}
        if self.sort != DEFAULT_SORT:
            values["sort"] = self.sort
        if self.direction != self.order.default:
            values["dir"] = self.direction
        return values

    def sorted_by(self, key: str) -> dict:
        """The query string of this list sorted by `key`: the other direction when it is the current order."""
        order = SORTS[key]
        direction = (queue_sorting.ASC if self.direction == queue_sorting.DESC else queue_sorting.DESC) \
            if key == self.sort else order.default
        values = self.as_args(sort=key if key != DEFAULT_SORT else None, dir=None)
        if direction != order.default:
            values["dir"] = direction
        return values

    def as_args(self, **changes) -> dict:
        values = {"queue": self.queue, "view": self.view if self.view != "all" else None,
                  "status": self.status if self.status != "active" else None, "priority": self.priority,
                  "product": self.product_id, "assignee": self.assignee_id, "customer": self.customer_id,
                  "age": self.age, "overdue": "1" if self.overdue else None, "code_problem": self.code_problem,
                  "due_within": self.due_within, "replied": "1" if self.replied else None,
                  "q": self.q or None, **self.sort_args()}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in (None, "")}


def status_condition(status: str) -> ColumnElement[bool] | None:
    if status == "any":
        return None
    if status == "active":
        return one_of(Ticket.status, ACTIVE_STATUSES)
    return Ticket.status == status


def text_condition(term: str) -> ColumnElement[bool]:
    """Search by request number, customer e-mail, or words of subject and description; all index-backed."""
    term = term.strip()
    if numbers.looks_like_number(term):
        return Ticket.number == term.upper()
    if "@" in term:
        if " " not in term and term.count("@") == 1 and "." in term.split("@")[1]:
            exact = select(Customer.id).where(Customer.email == term.lower())
            return Ticket.customer_id.in_(exact)
        return Ticket.customer_id.in_(select(Customer.id).where(customer_search(term)))
    if len(term) < MIN_TEXT:
        raise ServiceError(f"Type at least {MIN_TEXT} characters to search.")
    if db.engine.dialect.name == "postgresql":
        # the same expression as the GIN index ix_tickets_text_fts of migration 0005
        return text("to_tsvector('simple'::regconfig, tickets.subject || ' ' || tickets.description) "
                    "@@ plainto_tsquery('simple'::regconfig, :term)").bindparams(term=term)
    words = " ".join('"' + w.replace('"', '""') + '"' for w in term.split())
    matches = text("SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH :words").bindparams(words=words)
    return Ticket.id.in_(matches)


def code_problem_condition(problem: str, now) -> ColumnElement[bool]:
    """Tickets whose code has `problem` ("any": one of them), decided by the codes' standing in SQL."""
    return names_code_with_problem(Ticket.activation_code_id, problem, now)


def code_standings(rows: list[Ticket]) -> dict[int, Standing]:
    """The standing of each code the page's tickets are about, in one statement (no query per row)."""
    return standings(ticket.activation_code_id for ticket in rows)


def request_types() -> list[SupportRequestType]:
    """The eight types, read once per request (reference data that the list asks about several times)."""
    if "support_request_types" not in g:
        g.support_request_types = list(db.session.scalars(
            select(SupportRequestType).order_by(SupportRequestType.position)))
    return g.support_request_types


def request_type_by_code(code: str | None) -> SupportRequestType | None:
    return next((kind for kind in request_types() if kind.code == code), None) if code else None


def conditions(filters: Filters, staff_id: int | None) -> list:
    where = []
    kind = request_type_by_code(filters.queue)
    if filters.queue and kind is None:
        filters.errors["queue"] = "Unknown queue."
    if kind is not None:
        where.append(Ticket.request_type_id == kind.id)
    if filters.view == "mine":
        where.append(Ticket.assignee_id == staff_id)
    elif filters.view == "unassigned":
        where.append(Ticket.assignee_id.is_(None))
    condition = status_condition(filters.status)
    if condition is not None:
        where.append(condition)
    if filters.priority:
        where.append(Ticket.priority == filters.priority)
    if filters.product_id:
        where.append(Ticket.product_id == filters.product_id)
    if filters.assignee_id:
        where.append(Ticket.assignee_id == filters.assignee_id)
    if filters.customer_id:
        where.append(Ticket.customer_id == filters.customer_id)  # ix_tickets_customer_id, newest first
    if filters.age:
        where.append(Ticket.created_at <= utcnow() - timedelta(days=AGES[filters.age]))
    if filters.overdue:
        where.append(sla.overdue_condition(utcnow()))
    if filters.code_problem:
        where.append(code_problem_condition(filters.code_problem, utcnow()))
    if filters.due_within:
        where.append(sla.due_within_condition(utcnow(), filters.due_within))
    if filters.replied:
        where.append(reading.replied_condition())
    if filters.q:
        try:
            where.append(text_condition(filters.q))
        except ServiceError as error:
            filters.errors["q"] = error.message
    return where


def base_query(filters: Filters, staff_id: int | None) -> Select:
    return select(Ticket).where(*conditions(filters, staff_id))


def is_text_search(term: str) -> bool:
    term = term.strip()
    return bool(term) and not numbers.looks_like_number(term) and "@" not in term


def page(filters: Filters, staff_id: int | None) -> tuple[list[Ticket], str | None]:
    """One page of the list and the cursor of the next page (None on the last page)."""
    query = base_query(filters, staff_id)
    if filters.q and "q" not in filters.errors and is_text_search(filters.q):
        if (filters.sort, filters.direction) != (DEFAULT_SORT, SORTS[DEFAULT_SORT].default):
            filters.errors["sort"] = "A word search lists the newest matches first."
            filters.sort, filters.direction = DEFAULT_SORT, SORTS[DEFAULT_SORT].default  # what its window serves
        cursor = _cursor(filters)
        rows = _text_search_page(query, cursor.id if cursor else None)
    else:
        cursor = _cursor(filters)
        statement = queue_sorting.sorted_page(query, filters.order, filters.direction, cursor, PAGE_SIZE + 1)
        rows = list(db.session.scalars(statement).unique())
    if len(rows) <= PAGE_SIZE:
        return rows, None
    return rows[:PAGE_SIZE], queue_sorting.encode(filters.order, queue_sorting.cursor_of(filters.order,
                                                                                        rows[PAGE_SIZE - 1]))


def _cursor(filters: Filters) -> queue_sorting.Cursor | None:
    try:
        return queue_sorting.decode(filters.order, filters.after)
    except ValueError:
        filters.errors["after"] = "That page link no longer fits this list; here is its first page."
        filters.after = None
        return None


def _text_search_page(query: Select, before: int | None) -> list[Ticket]:
    """Newest matches first, looking in a window of recent ids that widens until a page is full.

    A common word matches thousands of tickets; sorting all of them by id means a heap read per match. The
    window lets the database AND the text index with the primary key's id range, so it reads only the
    matches it shows, however large the table; a rare word widens the window a few times.
    """
    upper = before or (db.session.scalar(select(func.max(Ticket.id))) or 0) + 1
    window = current_app.config["SEARCH_WINDOW_IDS"]
    while True:
        lower = max(upper - window, 0)
        # `id + 0`: newest first, but not by walking the primary key backwards and testing every row's text
        # (which the planner may prefer when it expects many matches); the text index's bitmap is ANDed with
        # the id range instead, and only the matches are read
        rows = list(db.session.scalars(query.where(Ticket.id >= lower, Ticket.id < upper)
                                       .order_by((Ticket.id + 0).desc()).limit(PAGE_SIZE + 1)).unique())
        if len(rows) > PAGE_SIZE or lower <= 1:  # ids start at 1: the window holds the whole table
            return rows
        window *= 4


def _capped(query: Select, limit: int):
    """A scalar subquery counting the rows of `query`, reading no more than `limit` + 1 of them."""
    return select(func.count()).select_from(query.limit(limit + 1).subquery()).scalar_subquery()


def _as_count(value: int, limit: int) -> Count:
    return Count(value, exact=True) if value <= limit else Count(limit, exact=False, floor=True)


def count(filters: Filters, staff_id: int | None, first_page: tuple[list, int | None] | None = None) -> Count:
    """How many tickets match. A first page with no next page already is the whole answer: no query."""
    limit = current_app.config["QUEUE_COUNT_LIMIT"]
    if first_page is not None and filters.after is None and first_page[1] is None:
        return Count(len(first_page[0]), exact=True)
    if first_page is not None and (filters.q and is_text_search(filters.q) or filters.code_problem):
        # counting up to the cap would read every match (a word), or walk the queue probing codes until 500
        # sparse matches are found (a code problem: 1 ticket in 100 meant 50,000 probes): a full page says "50+"
        return Count(PAGE_SIZE, exact=False, floor=True)
    value = db.session.scalar(select(_capped(select(literal(1)).select_from(Ticket)
                                             .where(*conditions(filters, staff_id)), limit)))
    return _as_count(value, limit)


def queue_counts(staff_id: int | None) -> dict:
    """Active tickets per queue, mine, and unassigned (the console's sidebar), in one statement.

    The per-queue count is one subquery correlated with the request types, not one per queue: the database plans
    it once (PostgreSQL weighs every index of tickets for each subquery it plans, and ten of them cost 6 ms of
    planning for 0.4 ms of counting)."""
    limit = current_app.config["QUEUE_COUNT_LIMIT"]
    kinds = request_types()
    one = select(literal(1)).select_from(Ticket).where(one_of(Ticket.status, ACTIVE_STATUSES))
    per_queue = select(SupportRequestType.id, _capped(
        one.where(Ticket.request_type_id == SupportRequestType.id).correlate(SupportRequestType), limit))
    mine = select(literal(MINE), _capped(one.where(Ticket.assignee_id == staff_id), limit))
    unassigned = select(literal(UNASSIGNED), _capped(one.where(Ticket.assignee_id.is_(None)), limit))
    values = dict(db.session.execute(union_all(per_queue, mine, unassigned)).all())
    return {"queues": [(kind, _as_count(values.get(kind.id, 0), limit)) for kind in kinds],
            "mine": _as_count(values[MINE], limit), "unassigned": _as_count(values[UNASSIGNED], limit)}


MINE, UNASSIGNED = -1, -2  # the sidebar's other two rows, beside the request types' ids
