"""The mails a customer gets about a request, queued in the caller's transaction. An anonymised request (its
customer closed the account) has nobody to tell: no mail.

Each is threaded with the request's earlier mails to the customer and answers go to the request's own reply
address, so a reply from a mail client finds its way back to the request."""

from __future__ import annotations

from flask import current_app

from backoffice.mail import queue_mail
from backoffice.models import Ticket, TicketMessage
from backoffice.services.support.reply_address import reply_address


def _to_customer(ticket: Ticket, subject: str, template: str, automated: bool = True, **context) -> None:
    if ticket.customer is None:
        return
    queue_mail(ticket.customer.email, subject, template, {"Reply-To": reply_address(ticket.id)},
               ticket_id=ticket.id, automated=automated, ticket=ticket, **context)


def tell_created(ticket: Ticket) -> None:
    _to_customer(ticket, f"Request {ticket.number} received: {ticket.subject}", "ticket_created",
                 ftp_url=current_app.config["FTP_PUBLIC_URL"])


def tell_reply(ticket: Ticket, message: TicketMessage) -> None:
    # an engineer wrote it: personal mail, not Auto-Submitted (RFC 3834)
    _to_customer(ticket, f"Answer to your request {ticket.number}", "ticket_reply", automated=False,
                 message=message)


def tell_resolved(ticket: Ticket) -> None:
    from backoffice.services.support.ratings import rating_url

    _to_customer(ticket, f"Request {ticket.number} resolved: how did we do?", "ticket_resolved",
                 rate_url=rating_url(ticket), reopen_days=current_app.config["TICKET_REOPEN_DAYS"])


def tell_merged(ticket: Ticket, old_number: str) -> None:
    _to_customer(ticket, f"Request {old_number} joined with {ticket.number}", "ticket_merged",
                 old_number=old_number)
