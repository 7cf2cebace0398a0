"""Products (admins write, support reads): name and description; codes belong to one product."""

from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from backoffice.console.access import StaffModelView, refuse
from backoffice.console.licensing import LICENSING_READ, LICENSING_WRITE
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services.licensing import manage


class ProductView(StaffModelView):
    read_roles = LICENSING_READ
    write_roles = LICENSING_WRITE
    allow_create = True
    allow_edit = True

    column_list = ["id", "name", "description", "created_at"]
    column_default_sort = ("name", False)
    column_labels = {"created_at": "Created"}
    form_columns = ["name", "description"]
    form_overrides = {"name": StringField, "description": TextAreaField}
    form_args = {"name": {"validators": [DataRequired(), Length(max=120)]}}

    def create_model(self, form):
        try:
            return manage.create_product(form.name.data, form.description.data, request_actor())
        except ServiceError as error:
            return refuse(form, error)

    def update_model(self, form, model):
        try:
            manage.update_product(model, form.name.data, form.description.data, request_actor())
        except ServiceError as error:
            return refuse(form, error)
        return True
