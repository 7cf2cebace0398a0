"""The console's ticket page: thread with internal notes, customer and code details, attachments, a reply to
the customer or an internal note (two separate forms, with canned responses), change type/priority/state/
assignee, claim, merge (after a confirm page); history of every change as sentences.

The reply, note and change forms carry what the page showed (meanwhile.Seen); a post on a ticket that changed
since comes back as 409 with what changed and the draft still in its box."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose

from backoffice.clock import utcnow
from backoffice.console.access import write_required
from backoffice.console.list_table import url_builder
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.security import current_staff, request_actor
from backoffice.services import ServiceError
from backoffice.services.mail_intake import origins
from backoffice.services.mail_intake.origins import verdicts_text
from backoffice.services.support import (
    access,
    bulk,
    canned,
    correspondence,
    details,
    file_risk,
    history_text,
    lab_link,
    people,
    ratings,
    reading,
    sla,
    staff_actions,
    wizard,
    workflow,
)
from backoffice.services.support.meanwhile import ChangedMeanwhile, Seen, seen_in

MODES = ("reply", "note")
CHANGE_FIELDS = ("request_type_id", "priority", "status", "assignee_id")


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
        page = self._ticket_page(ticket)
        # after drawing: its commit expires what the page loaded, which would then be read again
        reading.mark_read(ticket.id, current_staff().id, utcnow())
        return page

    def _ticket_page(self, ticket, status: int = 200, mode: str = "reply", draft: str = "", errors=None,
                     changes=None, change_values=None, then_status: str = "", seen: Seen | None = None):
        """The page; `draft` goes into the box of `mode` (reply or note), `errors` beside their fields. `seen` is
        what the forms carry: by default the ticket as drawn now; a page drawn again for the same draft (a canned
        insert, a refused field) keeps what the engineer's first page showed, so a change since still counts."""
        messages = correspondence.thread(ticket, include_notes=True)
        ftp_files = correspondence.loose_attachments(ticket)
        events = details.history(ticket)
        return self.render(
            "console/tickets/ticket.html", ticket=ticket, messages=messages, ftp_files=ftp_files,
            authors=people.author_names(messages + (changes.new_messages if changes else [])),
            customer_name=people.customer_name(ticket),
            safety=file_risk.safety, lab=lab_link.lab_results([a for m in messages for a in m.attachments] + ftp_files),
            codes=details.customer_codes(ticket.customer_id, ticket.activation_code_id),
            history=history_text.lines(ticket, events), staff_list=details.assignable_staff(),
            canned=canned.filled_responses(ticket, current_staff()),
            types=wizard.request_types(), rating=ratings.rating_of(ticket), merged_from=details.merged_from(ticket),
            overdue=sla.is_overdue(ticket, utcnow()), may_write=self.can_write(), file_urls=_file_urls(),
            seen=seen or seen_in(messages, events),
            mode=mode if mode in MODES else "reply", draft=draft, then_status=then_status, errors=errors or {},
            changes=changes, change_values=change_values or {}, now=utcnow(),
            priority_labels=workflow.PRIORITY_LABELS, priority_badges=workflow.PRIORITY_BADGES,
            title=f"{ticket.number}: {ticket.subject}",
            by_mail=origins.by_message([message.id for message in messages]), mail_checks=verdicts_text,
        ), status

    def _back(self, ticket):
        return redirect(url_for(".ticket_view", number=ticket.number))

    @expose("/<number>/canned", methods=["POST"])
    @write_required
    def canned_view(self, number: str):
        """Insert a canned response without JavaScript: the page again, the typed draft kept, the text after it."""
        ticket = self._ticket(number)
        mode = request.form.get("mode", "reply")
        draft = request.form.get("body", "")
        kept = {"then_status": request.form.get("then_status", ""), "seen": Seen.from_form(request.form)}
        try:
            draft = canned.append_to_draft(draft, bounded_int(request.form.get("canned")), ticket, current_staff())
        except ServiceError as error:
            return self._ticket_page(ticket, 422, mode, draft, {f"{mode}-canned": error.message}, **kept)
        return self._ticket_page(ticket, 200, mode, draft, **kept)

    @expose("/<number>/reply", methods=["POST"])
    @write_required
    def reply_view(self, number: str):
        ticket = self._ticket(number)
        internal = request.form.get("internal") == "1"
        mode = "note" if internal else "reply"
        body = request.form.get("body", "")
        then_status = request.form.get("then_status") or None
        seen = Seen.from_form(request.form)
        try:
            correspondence.staff_reply(ticket, request_actor(), body, request.files.getlist("files"),
                                       internal=internal, then_status=then_status,
                                       seen=seen)
        except ChangedMeanwhile as changed:
            db.session.rollback()
            flash(changed.message, "warning")  # at the top of the page; the details are beside the box
            return self._ticket_page(ticket, 409, mode, body, changes=changed.changes, then_status=then_status or "")
        except ServiceError as error:
            db.session.rollback()
            # the page again, not a redirect: the draft stays in the box however long or odd it is
            field = {"status": "then_status", "files": f"{mode}-files"}.get(error.field, f"{mode}-body")
            return self._ticket_page(ticket, 422, mode, body, {field: error.message}, then_status=then_status or "",
                                     seen=seen)
        flash("Internal note added; the customer was not told." if internal
              else "Reply sent to the customer by e-mail.", "success")
        return self._back(ticket)

    @expose("/<number>/update", methods=["POST"])
    @write_required
    def update_view(self, number: str):
        ticket = self._ticket(number)
        values = {name: request.form.get(name) for name in ("request_type_id", "priority", "status")
                  if request.form.get(name)}
        if "assignee_id" in request.form:
            values["assignee_id"] = request.form.get("assignee_id") or None
        posted = {name: request.form.get(name, "") for name in CHANGE_FIELDS if name in request.form}
        seen = Seen.from_form(request.form)
        try:
            changed = staff_actions.update_ticket(ticket, request_actor(), values, seen)
        except ChangedMeanwhile as meanwhile:
            flash(meanwhile.message, "warning")
            return self._ticket_page(ticket, 409, changes=meanwhile.changes, change_values=posted)
        except ServiceError as error:
            return self._ticket_page(ticket, 422, errors={error.field or "status": error.message},
                                     change_values=posted, seen=seen)
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
        """First post: the confirm page naming the target; the confirm page's post merges."""
        ticket = self._ticket(number)
        number_typed = request.form.get("target", "")
        try:
            target = bulk.merge_target(ticket, number_typed)
        except ServiceError as error:
            return self._ticket_page(ticket, 422, errors={"target": error.message},
                                     change_values={"target": number_typed})
        other_customer = bulk.customers_differ(ticket, target)
        if request.form.get("confirmed") != "1":
            return self._merge_confirm(ticket, target, other_customer)
        confirmed_other = request.form.get("other_customer") == "1"
        if other_customer and not confirmed_other:
            return self._merge_confirm(ticket, target, other_customer, 422, {
                "other_customer": "Tick this box to merge tickets of two different customers."})
        try:
            target = bulk.merge(ticket, target.number, request_actor(), other_customer_confirmed=confirmed_other)
        except ServiceError as error:
            db.session.rollback()
            return self._merge_confirm(ticket, target, other_customer, 422, {error.field or "target": error.message})
        flash(f"{ticket.number} was merged into {target.number}; the customer was told by e-mail.", "success")
        return redirect(url_for(".ticket_view", number=target.number))

    def _merge_confirm(self, ticket, target, other_customer: bool, status: int = 200, errors=None):
        return self.render("console/tickets/merge_confirm.html", ticket=ticket, target=target,
                           other_customer=other_customer, source_customer=people.customer_name(ticket),
                           target_customer=people.customer_name(target), errors=errors or {},
                           title=f"Merge {ticket.number} into {target.number}?"), status


def _file_urls() -> SimpleNamespace:
    """The links of each file on the page, each built once (a thread of 30 files had 90 `url_for`s)."""
    return SimpleNamespace(download=url_builder(".file_view", "attachment_id"),
                           scan_again=url_builder(".scan_again_view", "attachment_id"),
                           send_to_lab=url_builder(".send_to_lab_view", "attachment_id"),
                           lab_request=url_builder("viruslab.details_view", "id"))
