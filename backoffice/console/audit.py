"""The audit log: read-only, newest first, filterable by action, actor and object; each entry in a person's words
(services/audit_text.py), linked to its object, with a readable before/after on its page."""

from __future__ import annotations

from flask import flash, g, url_for
from flask_admin.contrib.sqla import filters
from markupsafe import Markup

from backoffice.console.access import ADMIN, StaffModelView
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.filters import date_range
from backoffice.console.lists import ScalableListMixin
from backoffice.console.times import time_tag
from backoffice.models import AuditEvent
from backoffice.services import audit_text
from backoffice.services.labels import options

ACTOR_KINDS = tuple(audit_text.ACTOR_KIND_LABELS)


class ActorIdEqual(filters.IntEqualFilter):
    """The index is (actor kind, actor id): naming every kind lets it serve an id given without a kind."""

    def apply(self, query, value, alias=None):
        return super().apply(query, value, alias).filter(AuditEvent.actor_type.in_(ACTOR_KINDS))


class ObjectTypeEqual(filters.FilterEqual):
    pass


class ObjectIdEqual(filters.FilterEqual):
    pass


def object_link(event: AuditEvent) -> Markup:
    """The event's object as a link to its console page (plain text when it has none, a dash when no object)."""
    ref = audit_text.object_ref(event, g.get("audit_object_names"))
    if ref is None:
        return Markup("—")
    if ref.endpoint is None:
        return Markup("{}").format(ref.text)
    return Markup('<a href="{}">{}</a>').format(url_for(ref.endpoint, **ref.args), ref.text)


class AuditLogView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ADMIN
    write_roles = ()
    can_view_details = True
    details_template = "console/audit_details.html"

    search_placeholder_text = "An action, e.g. Staff sign-in failed"
    column_list = ["created_at", "actor_label", "action", "object_type", "ip"]
    column_default_sort = ("id", True)
    column_sortable_list = ["created_at"]
    column_labels = {"created_at": "When", "actor_label": "Who", "action": "What happened",
                     "object_type": "About", "ip": "IP address"}
    column_formatters = {
        "actor_label": lambda v, c, m, n: audit_text.actor_text(m),
        "action": lambda v, c, m, n: audit_text.action_label(m.action),
        "object_type": lambda v, c, m, n: object_link(m),
    }
    column_filters = [
        filters.FilterEqual(AuditEvent.action, "Action", options=options(audit_text.ACTION_LABELS)),
        filters.FilterEqual(AuditEvent.actor_type, "Actor kind", options=options(audit_text.ACTOR_KIND_LABELS)),
        ActorIdEqual(AuditEvent.actor_id, "Actor id"),
        ObjectTypeEqual(AuditEvent.object_type, "Object", options=options(audit_text.OBJECT_KIND_LABELS)),
        ObjectIdEqual(AuditEvent.object_id, "Object id"),
        *date_range(AuditEvent.created_at, "When"),
    ]
    filter_form_fields = (
        FilterField("action", "What happened", "select"),
        FilterField("actor-kind", "Who (kind)", "select"),
        FilterField("actor-id", "Actor number"),
        FilterField("object-type", "About (kind)", "select"),
        FilterField("object-id", "Object number"),
        FilterField("from", "On or after", "date"),
        FilterField("to", "On or before", "date"),
    )

    def _get_list_filter_args(self):
        chosen = super()._get_list_filter_args()
        kinds = {type(self._filters[index]) for index, _name, _value in chosen}
        if ObjectIdEqual in kinds and ObjectTypeEqual not in kinds:
            # the index is (object type, object id): an id alone would read the whole log
            flash("Choose what kind of object it is too (e.g. Customer) to look up an object number.", "warning")
            chosen = [f for f in chosen if not isinstance(self._filters[f[0]], ObjectIdEqual)]
        return chosen

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if isinstance(rows, list):
            g.audit_object_names = audit_text.object_names(rows)  # a query per kind on the page, not one a row
        return count, rows

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            event = kwargs["model"]
            g.audit_object_names = audit_text.object_names([event])
            kwargs.update(action=audit_text.action_label(event.action), actor=audit_text.actor_text(event),
                          about=object_link(event), changes=audit_text.changes(event), time_tag=time_tag,
                          title=f"Audit entry: {audit_text.action_label(event.action)}")
        return super().render(template, **kwargs)

    @staticmethod
    def search_condition(term: str):
        """An action by its label (what the list shows) or by its stored name."""
        wanted = term.strip()
        names = [name for name, text in audit_text.ACTION_LABELS.items() if text.lower() == wanted.lower()]
        return AuditEvent.action.in_(names or [wanted])
