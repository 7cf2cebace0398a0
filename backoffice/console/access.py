"""Role checks for every console view: who may read it and who may write through it.

Each view names its `read_roles` and `write_roles`. Anonymous visitors (and customers, whose session is not a
staff login) are sent to the console login; staff without a read role get 403.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from markupsafe import Markup

from backoffice.console.filters import accepts, left_out_note
from backoffice.console.times import time_tag
from backoffice.inputs.forms import BoundedModelForm
from backoffice.inputs.numbers import MAX_PAGE, bounded_int
from backoffice.models import StaffRole
from backoffice.security import current_staff
from backoffice.services.audit_text import field_label

ADMIN = (StaffRole.ADMIN,)
ALL_STAFF = (StaffRole.ADMIN, StaffRole.SUPPORT, StaffRole.ANALYST)


def staff_role() -> str | None:
    staff = current_staff()
    return staff.role if staff else None


def _local_time(view, value: datetime, name: str) -> Markup:
    return time_tag(value)


def _yes_no(view, value: bool, name: str) -> str:
    return "Yes" if value else "No"


def _fields(view, value: dict, name: str) -> Markup:
    """A stored dict (a job's payload, a mail's headers) as labelled lines rather than JSON."""
    if not value:
        return Markup("—")
    lines = Markup("<br>").join(Markup("{}: {}").format(field_label(key), item) for key, item in value.items())
    return Markup('<span class="small">{}</span>').format(lines)


# Timestamps are stored in UTC; every list and details page shows them in the reader's zone, naming it
# (console/times.py), and a yes/no column in words rather than Flask-Admin's icons with no text.
CONSOLE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _local_time, bool: _yes_no, dict: _fields}
CONSOLE_DETAIL_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, datetime: _local_time, bool: _yes_no, dict: _fields}


class RoleGuard:
    """Mixin for Flask-Admin views; BaseView's `_handle_view` calls these before every request."""

    read_roles: tuple[str, ...] = ADMIN
    write_roles: tuple[str, ...] = ()

    def is_accessible(self) -> bool:
        return staff_role() in self.read_roles

    def can_write(self) -> bool:
        return staff_role() in self.write_roles

    def inaccessible_callback(self, name, **kwargs):
        if current_staff() is None:
            return redirect(url_for("console_auth.login", next=request.full_path))
        abort(403)


def write_required(view):
    """For custom POST endpoints of a view: 403 unless the signed-in staff user may write."""

    @wraps(view)
    def guarded(self, *args, **kwargs):
        if not self.can_write():
            abort(403)
        return view(self, *args, **kwargs)

    return guarded


class StaffModelView(RoleGuard, ModelView):
    """A model view whose create/edit/delete follow `write_roles`; subclasses route writes to services."""

    allow_create = False
    allow_edit = False
    allow_delete = False
    can_view_details = True
    simple_list_pager = True  # no COUNT(*) per page view; the header shows a bounded count instead
    page_size = 50
    can_set_page_size = False
    list_template = "console/list.html"
    column_type_formatters = CONSOLE_FORMATTERS
    column_type_formatters_detail = CONSOLE_DETAIL_FORMATTERS
    form_base_class = BoundedModelForm  # each field's text checked before any service sees it

    def _get_list_extra_args(self):
        """Flask-Admin's list arguments with the numbers bounded (a page past 64 bits reached the database)."""
        args = super()._get_list_extra_args()
        return args.clone(page=bounded_int(request.args.get("page"), 0, MAX_PAGE),
                          sort=bounded_int(request.args.get("sort"), None, 1_000),
                          sort_desc=bounded_int(request.args.get("desc"), None, 1))

    def _get_list_filter_args(self):
        """Flask-Admin's filter arguments, without a value the filter cannot take (said, and otherwise ignored)."""
        chosen = super()._get_list_filter_args()
        kept = []
        for index, name, value in chosen or ():
            if accepts(self._filters[index], value):
                kept.append((index, name, value))
            else:
                flash(left_out_note(self._filters[index], value), "warning")
        return kept if chosen is not None else None

    def get_one(self, id):  # noqa: A002  Flask-Admin's name
        """A record by the `id` argument; one that cannot be an id of this model is simply not found."""
        key = self.model.__mapper__.primary_key
        if len(key) == 1 and key[0].type.python_type is int and bounded_int(id) is None:
            return None
        return super().get_one(id)

    @property
    def can_create(self) -> bool:
        return self.allow_create and self.can_write()

    @property
    def can_edit(self) -> bool:
        return self.allow_edit and self.can_write()

    @property
    def can_delete(self) -> bool:
        return self.allow_delete and self.can_write()


class StaffBaseView(RoleGuard, BaseView):
    pass


class StaffIndexView(RoleGuard, AdminIndexView):
    read_roles = ALL_STAFF
