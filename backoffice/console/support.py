"""Registers the support views: the ticket queues (with the ticket page) and canned responses."""

from __future__ import annotations

from flask_admin import Admin

from backoffice.extensions import db
from backoffice.models import CannedResponse


def add_support_views(admin: Admin) -> None:
    from backoffice.console.canned import CannedResponseView
    from backoffice.console.tickets import TicketQueueView

    admin.add_view(TicketQueueView(name="Tickets", endpoint="tickets", url="/console/tickets", category="Support"))
    admin.add_view(CannedResponseView(CannedResponse, db, name="Canned responses", endpoint="canned",
                                      category="Support"))
