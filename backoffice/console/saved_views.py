"""Saved views on the ticket queue: save the current filters and sort under a name (from the list page),
rename and delete them (on their own page). Plain POST forms; a refused name comes back beside its field with
what was typed. The rules are in services/support/saved_views.py."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from werkzeug.datastructures import MultiDict

from backoffice.console import confirm
from backoffice.console.access import write_required
from backoffice.security import current_staff
from backoffice.services import ServiceError
from backoffice.services.support import saved_views


def _posted_args() -> MultiDict:
    """The list's query string the save form carries (filters and sort; the service drops anything else)."""
    query = request.form.get("query")
    return MultiDict(parse_qsl(query[:2000] if isinstance(query, str) else "", keep_blank_values=False))


class SavedViewsMixin:
    @expose("/views/save", methods=["POST"])
    @write_required
    def save_view(self):
        args = _posted_args()
        try:
            view = saved_views.save(current_staff().id, request.form.get("name"), args)
        except ServiceError as error:
            return self.list_page(args, save_name=request.form.get("name") or "", save_error=error.message,
                                  status=422)
        flash(f"Saved the view “{view.name}”.", "success")
        return redirect(url_for(".index_view", **view.args))

    @expose("/views")
    def saved_views_view(self, errors: dict | None = None, typed: dict | None = None, status: int = 200):
        return self.render("console/tickets/saved_views.html", views=saved_views.for_staff(current_staff().id),
                           errors=errors or {}, typed=typed or {}, title="Saved views"), status

    @expose("/views/<int:view_id>/rename", methods=["POST"])
    @write_required
    def rename_view(self, view_id: int):
        name = request.form.get("name")
        try:
            view = saved_views.rename(current_staff().id, view_id, name)
        except LookupError:
            abort(404)
        except ServiceError as error:
            return self.saved_views_view(errors={view_id: error.message},
                                         typed={view_id: name if isinstance(name, str) else ""}, status=422)
        flash(f"Renamed the view to “{view.name}”.", "success")
        return redirect(url_for(".saved_views_view"))

    @expose("/views/<int:view_id>/delete", methods=["POST"])
    @write_required
    def delete_view(self, view_id: int):
        if not confirm.confirmed():  # no script asked: this page asks, then posts again
            try:
                view = saved_views.get(current_staff().id, view_id)
            except LookupError:
                abort(404)
            return confirm.confirm_page(self, f"Delete the saved view “{view.name}”?", "Delete the saved view",
                                        url_for(".saved_views_view"))
        try:
            name = saved_views.delete(current_staff().id, view_id)
        except LookupError:
            abort(404)
        flash(f"Deleted the view “{name}”.", "success")
        return redirect(url_for(".saved_views_view"))
