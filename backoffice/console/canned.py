"""Canned responses: admins maintain them, support engineers read them (and insert them on the ticket page)."""

from __future__ import annotations

from markupsafe import Markup

from backoffice.console.access import ADMIN, StaffModelView, refuse
from backoffice.console.times import time_tag
from backoffice.models import StaffRole
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.support import canned


class CannedResponseView(StaffModelView):
    read_roles = (StaffRole.ADMIN, StaffRole.SUPPORT)
    write_roles = ADMIN
    allow_create = allow_edit = allow_delete = True
    column_list = ["title", "updated_at"]
    column_labels = {"updated_at": "Last changed", "body": "Text"}
    column_formatters = {"updated_at": lambda view, context, model, name: time_tag(model.updated_at)}
    column_default_sort = "title"
    form_columns = ["title", "body"]
    form_widget_args = {"body": {"rows": 8}}
    form_args = {"body": {"label": "Text", "description": Markup(
        "Placeholders, filled in when the text is inserted into a reply: {}.").format(Markup("; ").join(
            Markup("<code>{{{}}}</code> for {}").format(name, meaning)
            for name, meaning in canned.PLACEHOLDERS.items()))}}

    def create_model(self, form):
        return self._save(self.model(), form)

    def update_model(self, form, model):
        return self._save(model, form) is not None

    def _save(self, model, form):
        try:
            return canned.save(model, form.title.data, form.body.data, request_actor())
        except ServiceError as error:
            refuse(form, error)  # beside its field; the form comes back with what was typed
            return None

    def delete_model(self, model):
        canned.remove(model, request_actor())
        return True
