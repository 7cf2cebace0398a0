"""The audit log: read-only, newest first, filterable by action, actor and object."""

from __future__ import annotations

from flask_admin.contrib.sqla import filters

from backoffice.console.access import ADMIN, StaffModelView
from backoffice.console.filters import date_range
from backoffice.console.lists import ScalableListMixin
from backoffice.models import AuditEvent


class AuditLogView(ScalableListMixin, StaffModelView):
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
        filters.FilterEqual(AuditEvent.actor_type, "Actor kind",
                            options=[(k, k) for k in ("staff", "customer", "system", "anonymous")]),
        filters.FilterEqual(AuditEvent.actor_id, "Actor id"),
        filters.FilterEqual(AuditEvent.object_type, "Object"),
        filters.FilterEqual(AuditEvent.object_id, "Object id"),
        *date_range(AuditEvent.created_at, "When"),
    ]

    @staticmethod
    def search_condition(term: str):
        return AuditEvent.action == term.strip()
