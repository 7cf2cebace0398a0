"""Incoming mail (admins and support): every message that came in, what became of it and who the receiving
server says sent it, its original as an .eml download; and the review list of messages that wait for a staff
decision, with "Add to request" and "Throw away". Every decision is the review service's."""

from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from markupsafe import Markup

from backoffice.console.access import StaffModelView, write_required
from backoffice.console.confirm import confirm_page, confirmed
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.lists import ScalableListMixin
from backoffice.console.tickets import SUPPORT_ROLES
from backoffice.extensions import db
from backoffice.inputs.text import text_problem
from backoffice.models import Ticket
from backoffice.models.inbound_mail import InboundMessage
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.labels import INBOUND_OUTCOME_LABELS, label, options
from backoffice.services.mail_intake import review
from backoffice.services.mail_intake.origins import VERDICT_LABELS, verdicts_text
from backoffice.storage import BlobNotFound, open_blob


def _ticket_link(view, context, model, name):
    if not model.ticket_id:
        return "—"
    ticket = db.session.get(Ticket, model.ticket_id)
    if ticket is None:
        return "—"
    return Markup('<a href="{}">{}</a>').format(url_for("tickets.ticket_view", number=ticket.number), ticket.number)


class InboundMailView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = SUPPORT_ROLES
    write_roles = SUPPORT_ROLES
    details_template = "console/inbound_mail_details.html"
    record_noun = "incoming e-mail"

    search_placeholder_text = "Sender address (exact)"
    column_list = ["id", "received_at", "from_addr", "subject", "outcome", "ticket", "dmarc"]
    column_details_list = ["id", "received_at", "source", "from_addr", "to_addrs", "subject", "message_id",
                           "outcome", "reason", "ticket", "verdicts", "raw_size"]
    column_default_sort = ("id", True)
    column_sortable_list = ["id", "received_at"]
    column_labels = {"received_at": "Received", "from_addr": "From", "to_addrs": "To", "outcome": "What became of it",
                     "reason": "Why", "ticket": "Request", "dmarc": "DMARC", "verdicts": "Sender checks",
                     "raw_size": "Size (bytes)", "message_id": "Message-ID", "source": "Came by"}
    column_formatters = {
        "outcome": lambda v, c, m, n: label(INBOUND_OUTCOME_LABELS, m.outcome),
        "ticket": _ticket_link,
        "dmarc": lambda v, c, m, n: VERDICT_LABELS.get(m.dmarc, m.dmarc) if m.dmarc else "—",
        "verdicts": lambda v, c, m, n: verdicts_text(m),
        "source": lambda v, c, m, n: m.source.upper(),
    }
    column_formatters_detail = column_formatters
    column_filters = [filters.FilterEqual(InboundMessage.outcome, "What became of it",
                                          options=options(INBOUND_OUTCOME_LABELS))]
    filter_form_fields = (FilterField("outcome", "What became of it", "select"),)

    @staticmethod
    def search_condition(term: str):
        return InboundMessage.from_addr == term.strip().lower()

    @expose("/review/")
    def review_view(self):
        waiting = review.waiting()
        suggested = {inbound.id: review.suggested_ticket(inbound) for inbound in waiting}
        return self.render("console/inbound_mail_review.html", waiting=waiting, suggested=suggested,
                           verdicts_text=verdicts_text, may_write=self.can_write(), title="Mail to review")

    @expose("/<int:inbound_id>/original")
    def original_view(self, inbound_id: int):
        inbound = db.session.get(InboundMessage, inbound_id) or abort(404)
        try:
            stream = open_blob(inbound.raw_sha256)
        except BlobNotFound:
            abort(404)
        return send_file(stream, mimetype="message/rfc822", as_attachment=True,
                         download_name=f"incoming-mail-{inbound.id}.eml")

    @expose("/<int:inbound_id>/attach", methods=["POST"])
    @write_required
    def attach_view(self, inbound_id: int):
        number = request.form.get("number", "")
        number = "" if not isinstance(number, str) or text_problem(number) else number.strip()
        try:
            inbound = review.attach(inbound_id, number, request_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"The message from {inbound.from_addr} was added to {number.upper()}.", "success")
        return redirect(url_for(".review_view"))

    @expose("/<int:inbound_id>/discard", methods=["POST"])
    @write_required
    def discard_view(self, inbound_id: int):
        inbound = db.session.get(InboundMessage, inbound_id) or abort(404)
        if not confirmed():
            return confirm_page(self, f"Throw away the message from {inbound.from_addr}?", "Throw the message away",
                                url_for(".review_view"), detail="Its sender is not told; the original stays "
                                                                 "in the incoming mail list.")
        try:
            review.discard(inbound_id, request_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"The message from {inbound.from_addr} was thrown away.", "success")
        return redirect(url_for(".review_view"))
