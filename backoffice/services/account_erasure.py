"""What closing an account does to the support requests and Virus Lab requests it leaves behind.

"anonymise" (the default, ACCOUNT_CLOSE_REQUESTS): the threads stay for the statistics (queues, SLA, ratings,
detections), without the person: no link to the customer, no name or e-mail in labels, and the customer's
e-mail address and full name removed from the texts. Open ones are closed: nobody is left to answer.
"delete": the requests and their threads go.
Either way the samples stay (a file is not personal data, and other requests or verdicts may rest on it); only
their link to the person goes with the request. Ticket attachments stay with an anonymised thread.

Each step is one set-based statement, so a customer with 10,000 tickets costs the same number of statements as
one with a single ticket.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, case, delete, func, literal, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Customer, LabMessage, Submission, Ticket, TicketEvent, TicketMessage
from backoffice.models.support import ACTIVE_STATUSES, AuthorKind, TicketStatus
from backoffice.models.viruslab import SubmissionState

MODES = ("anonymise", "delete")
FORMER_CUSTOMER = "Former customer"
REMOVED = "[removed]"
MIN_NAME_CHARS = 4  # a shorter name ("Al") would also match inside ordinary words; it is left in the text


@dataclass(frozen=True)
class Erased:
    mode: str
    tickets: int
    lab_requests: int


def closing_mode() -> str:
    mode = current_app.config["ACCOUNT_CLOSE_REQUESTS"]
    if mode not in MODES:
        raise RuntimeError(f"ACCOUNT_CLOSE_REQUESTS must be one of {MODES}, not {mode!r}")
    return mode


def erase_requests(customer: Customer) -> Erased:
    """Anonymise or delete the customer's tickets and lab requests, in the caller's transaction (no commit)."""
    mode = closing_mode()
    tickets = select(Ticket.id).where(Ticket.customer_id == customer.id).scalar_subquery()
    requests = select(Submission.id).where(Submission.customer_id == customer.id).scalar_subquery()
    ticket_count = _count(Ticket, Ticket.customer_id == customer.id)
    lab_count = _count(Submission, Submission.customer_id == customer.id)
    if mode == "delete":
        _run(delete(Ticket).where(Ticket.customer_id == customer.id))  # messages, files, events: by cascade
        _run(delete(Submission).where(Submission.customer_id == customer.id))  # files and messages, not samples
    else:
        _anonymise_tickets(customer, tickets)
        _anonymise_lab_requests(customer, requests)
    return Erased(mode, ticket_count, lab_count)


def _anonymise_tickets(customer: Customer, tickets) -> None:
    """Events and messages first (they find their tickets through customer_id), then each ticket row is
    rewritten once: on PostgreSQL every rewrite also recomputes the ticket's full-text entry."""
    now = utcnow()
    _run(update(TicketEvent).where(TicketEvent.ticket_id.in_(tickets), _mentions(TicketEvent.actor_label, customer))
         .values(actor_label=FORMER_CUSTOMER))
    _run(update(TicketMessage).where(TicketMessage.ticket_id.in_(tickets)).values(
        body=_scrub(TicketMessage.body, customer), author_customer_id=None,
        author_label=case((TicketMessage.author_kind == AuthorKind.CUSTOMER, FORMER_CUSTOMER),
                          else_=TicketMessage.author_label)))
    active = Ticket.status.in_(ACTIVE_STATUSES)  # nobody is left to answer: open ones close
    _run(update(Ticket).where(Ticket.customer_id == customer.id).values(
        subject=_scrub(Ticket.subject, customer), description=_scrub(Ticket.description, customer),
        status=case((active, TicketStatus.CLOSED.value), else_=Ticket.status),
        closed_at=case((active, now), else_=Ticket.closed_at), waiting_since=None,
        customer_id=None, anonymised_at=now))


def _anonymise_lab_requests(customer: Customer, requests) -> None:
    now = utcnow()
    _run(update(LabMessage).where(LabMessage.submission_id.in_(requests)).values(
        body=_scrub(LabMessage.body, customer), author_customer_id=None,
        author_label=case((LabMessage.author_kind == AuthorKind.CUSTOMER, FORMER_CUSTOMER),
                          else_=LabMessage.author_label)))
    still_open = Submission.state.not_in((SubmissionState.ANSWERED, SubmissionState.CLOSED))
    _run(update(Submission).where(Submission.customer_id == customer.id).values(
        description=_scrub(Submission.description, customer),
        state=case((still_open, SubmissionState.CLOSED.value), else_=Submission.state),
        email=None, customer_id=None, anonymised_at=now))


def _scrub(column, customer: Customer):
    """The column's text with the customer's e-mail address (and full name, when long enough) replaced."""
    text = func.replace(column, literal(customer.email), literal(REMOVED))
    name = (customer.name or "").strip()
    if len(name) >= MIN_NAME_CHARS:
        text = func.replace(text, literal(name), literal(REMOVED))
    return text


def _mentions(column, customer: Customer):
    """A label that names the customer: their e-mail or name, as actors are labelled."""
    labels = [customer.email] + ([customer.name] if customer.name else [])
    return and_(column.is_not(None), column.in_(labels))


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def _run(statement) -> None:
    db.session.execute(statement.execution_options(synchronize_session=False))
