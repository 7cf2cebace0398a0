"""Registers the support views: "Tickets" as a top-level menu item (a plain link, so it opens without JavaScript;
the queues' sidebar links the other support pages too), and canned responses, satisfaction ratings and incoming
mail (with its review list) under "Support"."""

from __future__ import annotations

from flask_admin import Admin
from flask_admin.menu import MenuLink

from backoffice.extensions import db
from backoffice.models import CannedResponse


def add_support_views(admin: Admin) -> None:
    from backoffice.console.canned import CannedResponseView
    from backoffice.console.tickets import TicketQueueView

    admin.add_view(TicketQueueView(name="Tickets", endpoint="tickets", url="/console/tickets"))
    admin.add_view(CannedResponseView(CannedResponse, db, name="Canned responses", endpoint="canned",
                                      category="Support"))
    admin.add_link(SupportLink(name="Satisfaction ratings", endpoint="tickets.ratings_view", category="Support"))
    from backoffice.console.inbound_mail import InboundMailView
    from backoffice.models.inbound_mail import InboundMessage

    admin.add_link(SupportLink(name="Mail to review", endpoint="inbound_mail.review_view", category="Support"))
    admin.add_view(InboundMailView(InboundMessage, db, name="Incoming mail", endpoint="inbound_mail",
                                   url="/console/incoming-mail", category="Support"))


class SupportLink(MenuLink):
    """A menu link shown only to those who may open the ticket views (admin and support)."""

    def is_accessible(self):
        from backoffice.console.tickets import SUPPORT_ROLES
        from backoffice.security import current_staff

        staff = current_staff()
        return staff is not None and staff.role in SUPPORT_ROLES
