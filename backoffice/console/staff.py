"""Staff users (admins only): create with a password, change name, role and active state; never delete."""

from __future__ import annotations

from flask import flash
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from backoffice.console.access import ADMIN, StaffModelView
from backoffice.extensions import db
from backoffice.models import StaffRole
from backoffice.security import request_actor
from backoffice.services import ServiceError
from backoffice.services import staff as staff_service

ROLE_CHOICES = [(role.value, role.value.capitalize()) for role in StaffRole]


class StaffUserView(StaffModelView):
    read_roles = ADMIN
    write_roles = ADMIN
    allow_create = True
    allow_edit = True

    column_list = ["id", "email", "name", "role", "is_active", "failed_logins", "last_login_at"]
    column_details_exclude_list = ["password_hash", "session_epoch"]
    column_default_sort = ("id", False)
    column_labels = {"is_active": "Active"}
    form_columns = ["email", "name", "role", "is_active", "new_password"]
    form_extra_fields = {
        "new_password": PasswordField(
            "New password",
            validators=[Optional(), Length(min=10, max=1024)],
            description="At least 10 characters. Leave empty to keep the current password.",
        )
    }
    form_overrides = {"email": EmailField, "role": SelectField, "name": StringField}
    form_args = {
        "email": {"validators": [DataRequired(), Email()]},
        "name": {"validators": [DataRequired(), Length(max=120)]},
        "role": {"choices": ROLE_CHOICES},
    }
    form_widget_args = {"email": {"autocomplete": "off"}, "new_password": {"autocomplete": "new-password"}}

    def on_form_prefill(self, form, id):
        form.email.render_kw = {"readonly": True}

    def create_model(self, form):
        if not form.new_password.data:
            form.new_password.errors = ["Set a password for the new account."]
            flash("Set a password for the new account.", "error")
            return False
        try:
            return staff_service.create_staff(
                form.email.data, form.name.data, form.role.data, form.new_password.data, request_actor()
            )
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return False

    def update_model(self, form, model):
        values = {"name": form.name.data, "role": form.role.data, "is_active": form.is_active.data}
        try:
            staff_service.update_staff(model, values, request_actor())
            if form.new_password.data:
                staff_service.set_staff_password(model, form.new_password.data, request_actor())
        except ServiceError as error:
            db.session.rollback()
            flash(error.message, "error")
            return False
        return True
