"""The console's ticket page: thread with internal notes, customer and code details, attachments, reply or
note (with canned responses), change type/priority/state/assignee, claim, merge; history of every change."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from backoffice.clock import utcnow
from backoffice.console.access import write_required
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import CannedResponse
from backoffice.security import current_staff, request_actor
from backoffice.services import ServiceError
from backoffice.services.support import (
    access,
    bulk,
    canned,
    correspondence,
    details,
    file_risk,
    lab_link,
    ratings,
    reading,
    sla,
    staff_actions,
    wizard,
)


class TicketPageMixin:
    """Endpoints of one ticket; mixed into TicketQueueView so they share its roles and URL."""

    def _ticket(self, number: str):
        ticket = access.ticket_by_number(number)
        if ticket is None:
            abort(404)
        return ticket

    @expose("/<number>")
    def ticket_view(self, number: str):
        ticket = self._ticket(number)
        reading.mark_read(ticket.id, current_staff().id, utcnow())
        body = request.args.get("body", "")
        canned_id = bounded_int(request.args.get("canned"))
        if canned_id is not None:  # "Insert" a canned response without JavaScript: the page comes back with it
            response = db.session.get(CannedResponse, canned_id)
            body = ((body + "\n\n") if body else "") + response.body if response else body
        return self._ticket_page(ticket, body)

    def _ticket_page(self, ticket, body: str, status: int = 200):
        messages = correspondence.thread(ticket, include_notes=True)
        ftp_files = correspondence.loose_attachments(ticket)
        return self.render(
            "console/tickets/ticket.html", ticket=ticket, body=body, messages=messages, ftp_files=ftp_files,
            safety=file_risk.safety, lab=lab_link.lab_results([a for m in messages for a in m.attachments] + ftp_files),
            codes=details.customer_codes(ticket.customer_id, ticket.activation_code_id),
            events=details.history(ticket), staff_list=details.assignable_staff(), canned=canned.all_responses(),
            types=wizard.request_types(), rating=ratings.rating_of(ticket), merged_from=details.merged_from(ticket),
            overdue=sla.is_overdue(ticket, utcnow()), may_write=self.can_write(),
            title=f"{ticket.number}: {ticket.subject}",
        ), status

    def _back(self, ticket):
        return redirect(url_for(".ticket_view", number=ticket.number))

    @expose("/<number>/reply", methods=["POST"])
    @write_required
    def reply_view(self, number: str):
        ticket = self._ticket(number)
        internal = request.form.get("internal") == "1"
        then_status = request.form.get("then_status") or None
        try:
            correspondence.staff_reply(ticket, request_actor(), request.form.get("body", ""),
                                       request.files.getlist("files"), internal=internal, then_status=then_status)
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            # the page again, not a redirect: the draft stays in the box however long or odd it is
            return self._ticket_page(ticket, request.form.get("body", ""), 422)
        flash("Internal note added." if internal else "Reply sent to the customer by e-mail.", "success")
        return self._back(ticket)

    @expose("/<number>/update", methods=["POST"])
    @write_required
    def update_view(self, number: str):
        ticket = self._ticket(number)
        values = {name: request.form.get(name) for name in ("request_type_id", "priority", "status")
                  if request.form.get(name)}
        if "assignee_id" in request.form:
            values["assignee_id"] = request.form.get("assignee_id") or None
        try:
            changed = staff_actions.update_ticket(ticket, request_actor(), values)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"Saved: {', '.join(changed)}." if changed else "Nothing changed.", "success" if changed else "info")
        return self._back(ticket)

    @expose("/<number>/claim", methods=["POST"])
    @write_required
    def claim_view(self, number: str):
        ticket = self._ticket(number)
        try:
            staff_actions.claim(ticket, request_actor())
        except ServiceError as error:
            flash(error.message, "error")
        else:
            flash(f"{ticket.number} is yours now.", "success")
        return self._back(ticket)

    @expose("/<number>/merge", methods=["POST"])
    @write_required
    def merge_view(self, number: str):
        ticket = self._ticket(number)
        try:
            target = bulk.merge(ticket, request.form.get("target", ""), request_actor())
        except ServiceError as error:
            flash(error.message, "error")
            return self._back(ticket)
        flash(f"{ticket.number} was merged into {target.number}; the customer was told.", "success")
        return redirect(url_for(".ticket_view", number=target.number))
