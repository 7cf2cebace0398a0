"""The customer page for staff: profile, codes with their state, tickets, Virus Lab requests, security events and
internal notes, each its newest 20 with an "all" link to the console list filtered to this customer; and the one
search box of the customers list, which opens the customer when what was typed finds exactly one.

Each section shows only to staff who may open what it links to (codes and tickets: support and admins), so the
page never shows an analyst more than the views they could read before it existed.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from markupsafe import Markup

from backoffice.console.access import staff_role, write_required
from backoffice.console.audit import ObjectIdEqual, ObjectTypeEqual
from backoffice.console.customer_forms import CONFIRMATIONS, NoteForm
from backoffice.console.filters import CustomerEmailFilter
from backoffice.console.licensing import LICENSING_READ
from backoffice.console.licensing.codes import STATE_LABELS as CODE_STATE_LABELS
from backoffice.console.tickets import SUPPORT_ROLES
from backoffice.console.times import time_tag
from backoffice.extensions import db
from backoffice.inputs.numbers import bounded_int
from backoffice.models import Customer
from backoffice.models.viruslab import REQUEST_TYPE_LABELS, STATE_LABELS
from backoffice.security import request_actor
from backoffice.services import ServiceError, audit_text, customer_lookup, customer_notes, customer_overview
from backoffice.services.labels import CUSTOMER_STATUS_LABELS
from backoffice.services.mail_intake import bounces
from backoffice.services.support import workflow
from backoffice.services.viruslab import verdicts

# the sections, and who may read each (the roles of the console views its rows link to)
SECTION_ROLES = {"codes": LICENSING_READ, "tickets": SUPPORT_ROLES}
EVENT_LABELS = {
    "customer.login": "Signed in", "customer.login_failed": "Sign-in failed",
    "customer.login_refused_locked": "Sign-in refused: account locked", "customer.logout": "Signed out",
    "customer.registered": "Registered", "customer.registration_repeated": "Registered again with this address",
    "customer.activated": "Activated the account", "customer.activation_resent": "Activation link sent again",
    "customer.password_changed": "Changed the password", "customer.password_reset": "Chose a new password",
    "customer.password_reset_requested": "Asked for a password reset",
    "customer.password_reset_forced": "Password reset forced by staff",
    "customer.locked": "Account locked", "customer.unlocked": "Account unlocked",
    "customer.status_changed": "Status changed", "customer.updated": "Profile edited by staff",
    "customer.profile_updated": "Profile edited", "customer.email_change_requested": "Asked to change the e-mail",
    "customer.email_changed": "E-mail changed", "customer.email_change_refused": "E-mail change refused",
    "customer.news_subscribed": "Subscribed to news", "customer.news_unsubscribed": "Unsubscribed from news",
    "customer.data_exported": "Downloaded their data", "customer.claimed": "Claimed the imported account",
    "customer.claim_requested": "Asked to claim an imported account",
    "customer.legacy_imported": "Imported from Personal Cabinet", "customer.closed": "Closed the account",
}
ACTOR_LABELS = {"staff": "Staff", "customer": "The customer", "system": "System", "anonymous": "Not signed in"}


def when(value) -> Markup:
    """A timestamp as the page shows it: in the reader's zone, naming it (console/times.py), on one line (a
    function: a Jinja macro per cell was a third of the page's time at 100 rows)."""
    return Markup('<span class="text-nowrap">{}</span>').format(time_tag(value))


def event_label(action: str) -> str:
    """A person's words for an audit action, as the customer's own history (the audit log's sentence for one
    without its own wording here)."""
    return EVENT_LABELS.get(action) or audit_text.action_label(action)


class CustomerPageMixin:
    """Mixed into CustomerView before Flask-Admin's ModelView: replaces its generic details page and list search."""

    @expose("/")
    def index_view(self):
        term = (request.args.get("search") or "").strip()
        if term and not bounded_int(request.args.get("page")) and not _filter_args():
            try:
                found = customer_lookup.single_match(term)
            except ServiceError:
                found = None  # too short: the list says so
            if found is not None:
                return redirect(url_for(".details_view", id=found))
        return super().index_view()

    @expose("/details/")
    def details_view(self):
        customer = self.get_one(request.args.get("id"))
        if customer is None:  # as every other details page of the console: back to the list, saying why
            flash("There is no such customer.", "error")
            return redirect(url_for(".index_view"))
        return self._customer_page(customer, NoteForm())

    def _customer_page(self, customer: Customer, note_form: NoteForm, status: int = 200):
        role = staff_role()
        shown = tuple(name for name in customer_overview.SECTIONS
                      if role in SECTION_ROLES.get(name, self.read_roles))
        sections = customer_overview.customer_overview(customer.id, shown)
        page = self.render(
            "console/customer_page.html", customer=customer, sections=sections, note_form=note_form,
            may_write=self.can_write(), all_links=self._all_links(customer), labels=self._labels(),
            verdict_of=verdicts.request_verdict, event_label=event_label, when=when, title=f"Customer {customer.email}",
            confirmations={name: question.format(email=customer.email) for name, (question, _button)
                           in CONFIRMATIONS.items()},
            bouncing=bounces.is_bouncing(customer.email),
        )
        return page, status

    @expose("/<int:customer_id>/notes", methods=["POST"])
    @write_required
    def add_note_view(self, customer_id: int):
        customer = db.session.get(Customer, customer_id) or abort(404)
        form = NoteForm()
        if form.validate():
            try:
                customer_notes.add_note(customer, form.body.data, request_actor())
            except ServiceError as error:
                db.session.rollback()
                form.body.errors = [error.message]
            else:
                flash("The note is added. Only staff see it.", "success")
                return redirect(url_for(".details_view", id=customer.id) + "#notes")
        return self._customer_page(customer, form, 422)

    @expose("/<int:customer_id>/notes")
    def notes_view(self, customer_id: int):
        customer = db.session.get(Customer, customer_id) or abort(404)
        before = bounded_int(request.args.get("before"))
        notes, next_before = customer_notes.notes_page(customer.id, before)
        return self.render("console/customer_notes.html", customer=customer, notes=notes, next_before=next_before,
                           first_page=before is None, title=f"Notes about {customer.email}")

    def _labels(self) -> dict:
        return {"status": CUSTOMER_STATUS_LABELS, "ticket": workflow.LABELS, "priority": workflow.PRIORITY_LABELS,
                "code": dict(CODE_STATE_LABELS),
                "lab_type": REQUEST_TYPE_LABELS, "lab_state": STATE_LABELS, "actor": ACTOR_LABELS}

    def _all_links(self, customer: Customer) -> dict[str, str | None]:
        """Where each section's "all" link goes: the console list filtered to this customer (None: no such list
        for this viewer)."""
        role = staff_role()
        links = {
            "tickets": url_for("tickets.index_view", customer=customer.id, status="any"),
            "codes": self._filtered_list("codes", {CustomerEmailFilter: customer.email}),
            "lab_requests": self._filtered_list("viruslab", {CustomerEmailFilter: customer.email}),
            "events": self._filtered_list("audit", {ObjectTypeEqual: "customers", ObjectIdEqual: str(customer.id)}),
            "notes": url_for(".notes_view", customer_id=customer.id),
        }
        return {name: link if link and self._may_open(name, role) else None for name, link in links.items()}

    def _may_open(self, name: str, role: str | None) -> bool:
        endpoint = {"codes": "codes", "lab_requests": "viruslab", "events": "audit", "tickets": "tickets"}.get(name)
        view = self._view(endpoint) if endpoint else self
        return view is not None and role in view.read_roles

    def _view(self, endpoint: str):
        return next((view for view in self.admin._views if view.endpoint == endpoint), None)

    def _filtered_list(self, endpoint: str, values: dict[type, str]) -> str | None:
        """The list of `endpoint` with its filters of the given classes set (Flask-Admin's flt<n>_<arg>)."""
        view = self._view(endpoint)
        if view is None:
            return None
        args = {}
        for index, flt in enumerate(view._filters or ()):
            for kind, value in values.items():
                if type(flt) is kind:
                    args[f"flt{len(args)}_{view.get_filter_arg(index, flt)}"] = value
        return url_for(f"{endpoint}.index_view", **args) if len(args) == len(values) else None


def _filter_args() -> bool:
    return any(name.startswith("flt") and value.strip() for name, value in request.args.items())
