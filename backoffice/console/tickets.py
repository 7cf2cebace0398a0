"""Support queues in the console (support and admin roles): one queue per request type with counts, "My
tickets", "Unassigned", filters, sorting, search, bulk actions by a plain POST form, ratings per engineer and queue.
The ticket page and its actions are in ticket_page.py, its files' downloads and Virus Lab sending in
ticket_files.py, saved views in saved_views.py."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose

from backoffice.clock import utcnow
from backoffice.console.access import StaffBaseView, staff_role, write_required
from backoffice.console.list_table import url_builder
from backoffice.console.saved_views import SavedViewsMixin
from backoffice.console.ticket_files import TicketFilesMixin
from backoffice.console.ticket_page import TicketPageMixin
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_ids
from backoffice.models import Customer, Product, StaffRole
from backoffice.models.support import TicketPriority
from backoffice.security import current_staff, request_actor
from backoffice.services import ServiceError
from backoffice.services.support import bulk, details, queues, ratings, reading, saved_views, sla, workflow
from backoffice.services.support.queue_sorting import SORTS

SUPPORT_ROLES = (StaffRole.ADMIN, StaffRole.SUPPORT)


class TicketQueueView(SavedViewsMixin, TicketFilesMixin, TicketPageMixin, StaffBaseView):
    read_roles = SUPPORT_ROLES
    write_roles = SUPPORT_ROLES

    def render(self, template, **kwargs):
        kwargs.setdefault("labels", workflow.LABELS)
        kwargs.setdefault("priorities", [p.value for p in TicketPriority])
        kwargs.setdefault("priority_labels", workflow.PRIORITY_LABELS)
        kwargs.setdefault("priority_badges", workflow.PRIORITY_BADGES)
        return super().render(template, **kwargs)

    @expose("/")
    def index_view(self):
        return self.list_page(request.args)

    def list_page(self, args, save_name: str = "", save_error: str | None = None, status: int = 200):
        """The queue for the query string `args`; a refused "Save view" comes back here with its error."""
        staff = current_staff()
        filters = queues.Filters.from_args(args)
        rows, next_after = queues.page(filters, staff.id)
        for message in filters.errors.values():
            flash(message, "warning")
        now = utcnow()
        customer = db.session.get(Customer, filters.customer_id) if filters.customer_id else None
        return self.render(
            "console/tickets/list.html", filters=filters, rows=rows, next_after=next_after, now=now,
            count=queues.count(filters, staff.id, (rows, next_after)), sidebar=queues.queue_counts(staff.id),
            overdue={t.id for t in rows if sla.is_overdue(t, now)}, code_standings=queues.code_standings(rows),
            unread=reading.unread_ids(rows, staff.id), clock_running=sla.CLOCK_RUNNING, sorts=SORTS,
            code_problems=queues.CODE_PROBLEMS, saved=saved_views.for_staff(staff.id),
            save_name=save_name, save_error=save_error,
            kind=queues.request_type_by_code(filters.queue), states=queues.STATES, ages=queues.AGES,
            products=db.session.query(Product).order_by(Product.name).limit(500).all(),
            staff_list=details.assignable_staff(), may_write=self.can_write(), customer=customer,
            ticket_url=url_builder(".ticket_view", "number"), customer_url=url_builder("customers.details_view", "id"),
            title=_list_title(filters) + (f" of {customer.name or customer.email}" if customer else ""),
        ), status

    @expose("/bulk", methods=["POST"])
    @write_required
    def bulk_view(self):
        ids = bounded_ids(request.form.getlist("ticket_id"))
        values = {"assignee_id": request.form.get("bulk_assignee"), "status": request.form.get("bulk_status"),
                  "priority": request.form.get("bulk_priority")}
        try:
            result = bulk.bulk_update(ids, request_actor(), values)
        except ServiceError as error:
            flash(error.message, "error")
        else:
            if result.changed:
                count = len(result.changed)
                flash(f"Changed {count} ticket{'' if count == 1 else 's'}: {', '.join(result.changed)}.", "success")
            for number, why in result.refused:
                flash(f"{number} not changed: {why}", "warning")
            if not result.changed and not result.refused:
                flash("Nothing to change: the selected tickets already had these values.", "info")
        return redirect(request.form.get("back") if _safe_back(request.form.get("back")) else url_for(".index_view"))

    @expose("/ratings")
    def ratings_view(self):
        return self.render("console/tickets/ratings.html", by_engineer=ratings.by_engineer(),
                           by_queue=ratings.by_queue(), title="Satisfaction ratings")


def _safe_back(target: str | None) -> bool:
    return bool(target) and target.startswith("/console/tickets") and "//" not in target and "\\" not in target


def _list_title(filters: queues.Filters) -> str:
    if filters.view == "mine":
        return "My tickets"
    if filters.view == "unassigned":
        return "Unassigned tickets"
    kind = queues.request_type_by_code(filters.queue)
    return f"Queue: {kind.name}" if kind else "All tickets"


__all__ = ["TicketQueueView", "SUPPORT_ROLES", "staff_role"]
