"""Role checks for every console view: who may read it and who may write through it.

Each view names its `read_roles` and `write_roles`. Anonymous visitors (and customers, whose session is not a
staff login) are sent to the console login; staff without a read role get 403.

StaffModelView is also what every console list shares: times in the reader's zone, yes/no in words, deletes
that ask first (console/confirm.py), create/edit forms with each error beside its field.
"""

from __future__ import annotations

from datetime import datetime
from functools import wraps

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.helpers import get_redirect_target
from flask_admin.model import typefmt
from markupsafe import Markup

from backoffice.console.confirm import confirm_page, confirmed
from backoffice.console.filters import accepts, left_out_note
from backoffice.console.row_actions import prebuilt
from backoffice.console.times import time_tag
from backoffice.extensions import db
from backoffice.inputs.forms import BoundedModelForm
from backoffice.inputs.numbers import MAX_PAGE, bounded_int
from backoffice.models import StaffRole
from backoffice.security import current_staff
from backoffice.services import ServiceError
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

    @property
    def extra_js(self) -> list[str]:
        """Scripts every console page loads after Flask-Admin's (with the page's nonce): the confirmation of
        destructive forms (data-confirm)."""
        return [url_for("static", filename="console/confirm.js")]


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
    search_in_filter_form = False  # True: the list's search is a field of its filter form, not the bar's box
    create_template = "console/create.html"
    edit_template = "console/edit.html"
    details_template = "console/details.html"
    action_disallowed_list = ["delete"]  # the bulk delete asks through an inline onclick the CSP blocks
    record_noun: str | None = None  # "course", for "Delete the course “Basics”?"; else from the view's name
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

    def get_list_row_actions(self):
        return prebuilt(super().get_list_row_actions())

    def record_name(self, model) -> str:
        """How a confirmation names the record: the course “Basics”, the staff user “ada@example.com”."""
        noun = self.record_noun or _singular(self.name)
        for attribute in ("title", "name", "code", "email"):
            value = getattr(model, attribute, None)
            if isinstance(value, str) and value:
                return f"the {noun} “{value}”"
        return f"{noun} {self.get_pk_value(model)}"

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        """Flask-Admin's delete, once confirmed: without confirm.js the request arrives unconfirmed and gets a
        page that asks (and posts again), so no record goes in one click."""
        if self.can_delete and not confirmed():
            model = self.get_one(request.form.get("id", ""))
            if model is not None:
                name = self.record_name(model)
                return confirm_page(self, f"Delete {name}?", f"Delete {name}",
                                    get_redirect_target() or self.get_url(".index_view"),
                                    detail="This cannot be undone.")
        return super().delete_view()

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


def _singular(name: str) -> str:
    """"Online courses" → "online course", "YARA rules" → "YARA rule"."""
    words = name.split()
    if words and words[-1].endswith("s"):
        words[-1] = words[-1][:-1]
    if words and len(words[0]) > 1 and words[0][1].islower():
        words[0] = words[0].lower()
    return " ".join(words)


def refuse(form, error: ServiceError) -> bool:
    """A service refused a create/edit form: roll back, and put the message beside the field it is about (a
    flash only when it is about no field of this form), so the form shows again with what was typed."""
    db.session.rollback()
    field = getattr(error, "field", None)
    if field and field in form:
        form[field].errors = [*form[field].errors, error.message]
        flash(f"Nothing was saved: see the message beside “{form[field].label.text}”.", "error")
    else:
        flash(error.message, "error")
    return False


class StaffBaseView(RoleGuard, BaseView):
    pass


class StaffIndexView(RoleGuard, AdminIndexView):
    read_roles = ALL_STAFF
