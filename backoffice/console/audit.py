"""The audit log: read-only, newest first, filterable by action, actor and object."""

from __future__ import annotations

from flask import flash
from flask_admin.contrib.sqla import filters

from backoffice.console.access import ADMIN, StaffModelView
from backoffice.console.filter_form import FilterField, PlainFilterFormMixin
from backoffice.console.filters import date_range
from backoffice.console.lists import ScalableListMixin
from backoffice.models import AuditEvent

ACTOR_KINDS = ("staff", "customer", "system", "anonymous")


class ActorIdEqual(filters.IntEqualFilter):
    """The index is (actor kind, actor id): naming every kind lets it serve an id given without a kind."""

    def apply(self, query, value, alias=None):
        return super().apply(query, value, alias).filter(AuditEvent.actor_type.in_(ACTOR_KINDS))


class ObjectTypeEqual(filters.FilterEqual):
    pass


class ObjectIdEqual(filters.FilterEqual):
    pass


class AuditLogView(PlainFilterFormMixin, ScalableListMixin, StaffModelView):
    read_roles = ADMIN
    write_roles = ()
    can_view_details = True

    search_placeholder_text = "Exact action, e.g. staff.login_failed"
    column_list = ["created_at", "actor_type", "actor_label", "action", "object_type", "object_id", "ip"]
    column_default_sort = ("id", True)
    column_sortable_list = ["created_at"]
    column_labels = {"created_at": "When", "actor_type": "Actor kind", "actor_label": "Actor",
                     "object_type": "Object", "object_id": "Object id", "ip": "IP"}
    column_filters = [
        filters.FilterEqual(AuditEvent.action, "Action"),
        filters.FilterEqual(AuditEvent.actor_type, "Actor kind", options=[(k, k) for k in ACTOR_KINDS]),
        ActorIdEqual(AuditEvent.actor_id, "Actor id"),
        ObjectTypeEqual(AuditEvent.object_type, "Object"),
        ObjectIdEqual(AuditEvent.object_id, "Object id"),
        *date_range(AuditEvent.created_at, "When"),
    ]
    filter_form_fields = (
        FilterField("action", "Action"),
        FilterField("actor-kind", "Actor kind", "select"),
        FilterField("actor-id", "Actor id"),
        FilterField("object-type", "Object type"),
        FilterField("object-id", "Object id"),
        FilterField("from", "On or after", "date"),
        FilterField("to", "On or before", "date"),
    )

    def _get_list_filter_args(self):
        chosen = super()._get_list_filter_args()
        kinds = {type(self._filters[index]) for index, _name, _value in chosen}
        if ObjectIdEqual in kinds and ObjectTypeEqual not in kinds:
            # the index is (object type, object id): an id alone would read the whole log
            flash("Give the object type too (e.g. customers) to look up an object id.", "warning")
            chosen = [f for f in chosen if not isinstance(self._filters[f[0]], ObjectIdEqual)]
        return chosen

    @staticmethod
    def search_condition(term: str):
        return AuditEvent.action == term.strip()
