"""The mail outbox (admins): what was sent, what is waiting, what failed and why; retry a failed message."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from sqlalchemy.orm import selectinload

from backoffice.console.access import ADMIN, StaffModelView, write_required
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.lists import ScalableListMixin
from backoffice.extensions import db
from backoffice.models import OutboxMessage
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services import outbox as outbox_service
from backoffice.services.labels import MAIL_TEMPLATE_LABELS, OUTBOX_STATUS_LABELS, label, options


class OutboxView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ADMIN
    write_roles = ADMIN
    details_template = "console/outbox_details.html"

    search_placeholder_text = "Recipient address (exact)"
    column_list = ["id", "created_at", "to_addr", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    # the delivery's attempts, next attempt and last error are its job's; the lease token is never shown
    column_details_list = ["id", "created_at", "to_addr", "subject", "template", "status", "attempts",
                           "next_attempt_at", "last_error", "sent_at", "headers", "body_text"]
    column_default_sort = ("id", True)
    column_sortable_list = ["id", "created_at"]
    column_labels = {"to_addr": "To", "next_attempt_at": "Next attempt", "created_at": "Queued",
                     "last_error": "Last error", "body_text": "Text", "template": "Kind of mail",
                     "sent_at": "Sent"}
    column_formatters = {"status": lambda v, c, m, n: label(OUTBOX_STATUS_LABELS, m.status),
                         "template": lambda v, c, m, n: label(MAIL_TEMPLATE_LABELS, m.template)}
    column_formatters_detail = column_formatters
    column_filters = [
        filters.FilterEqual(OutboxMessage.status, "Status", options=options(OUTBOX_STATUS_LABELS)),
        filters.FilterEqual(OutboxMessage.template, "Kind of mail", options=options(MAIL_TEMPLATE_LABELS)),
    ]
    filter_form_fields = (FilterField("status", "Status", "select"), FilterField("template", "Kind of mail", "select"))

    @staticmethod
    def search_condition(term: str):
        return OutboxMessage.to_addr == term.strip().lower()

    def get_query(self):
        return super().get_query().options(selectinload(OutboxMessage.job))  # attempts: one query a page

    @expose("/retry/<int:message_id>", methods=["POST"])
    @write_required
    def retry_view(self, message_id: int):
        message = db.session.get(OutboxMessage, message_id) or abort(404)
        try:
            outbox_service.retry(message, request_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"Message {message_id} is queued again.", "success")
        return redirect(url_for(".details_view", id=message_id))
