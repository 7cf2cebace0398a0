"""The mails a customer gets about a request, queued in the caller's transaction. An anonymised request (its
customer closed the account) has nobody to tell: no mail."""

from __future__ import annotations

from flask import current_app

from backoffice.mail import queue_mail
from backoffice.models import Ticket, TicketMessage


def tell_created(ticket: Ticket) -> None:
    if ticket.customer is None:
        return
    queue_mail(ticket.customer.email, f"Request {ticket.number} received: {ticket.subject}", "ticket_created",
               ticket=ticket, ftp_url=current_app.config["FTP_PUBLIC_URL"])


def tell_reply(ticket: Ticket, message: TicketMessage) -> None:
    if ticket.customer is None:
        return
    queue_mail(ticket.customer.email, f"Answer to your request {ticket.number}", "ticket_reply",
               ticket=ticket, message=message)


def tell_resolved(ticket: Ticket) -> None:
    if ticket.customer is None:
        return
    from backoffice.services.support.ratings import rating_url

    queue_mail(ticket.customer.email, f"Request {ticket.number} resolved: how did we do?", "ticket_resolved",
               ticket=ticket, rate_url=rating_url(ticket),
               reopen_days=current_app.config["TICKET_REOPEN_DAYS"])


def tell_merged(ticket: Ticket, old_number: str) -> None:
    if ticket.customer is None:
        return
    queue_mail(ticket.customer.email, f"Request {old_number} joined with {ticket.number}", "ticket_merged",
               ticket=ticket, old_number=old_number)
