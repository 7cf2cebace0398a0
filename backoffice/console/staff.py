"""Staff users (admins only): create with a password, change name, role and active state; never delete."""

from __future__ import annotations

from flask import current_app
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from backoffice.console.access import ADMIN, StaffModelView, refuse
from backoffice.security import StaffIdentity, current_staff, request_actor, sign_in
from backoffice.services import ServiceError
from backoffice.services import staff as staff_service
from backoffice.services.labels import ROLE_LABELS, ROLE_ORDER, label

# least privileged first, and preselected on a new account: giving more is a deliberate choice
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in ROLE_ORDER]


class StaffUserView(StaffModelView):
    read_roles = ADMIN
    write_roles = ADMIN
    allow_create = True
    allow_edit = True

    column_list = ["id", "email", "name", "role", "is_active", "failed_logins", "last_login_at"]
    column_details_exclude_list = ["password_hash", "session_epoch"]
    column_default_sort = ("id", False)
    column_labels = {"is_active": "Active", "failed_logins": "Failed sign-ins", "last_login_at": "Last sign-in",
                     "created_at": "Created", "time_zone": "Time zone"}
    column_formatters = {"role": lambda v, c, m, n: label(ROLE_LABELS, m.role)}
    form_columns = ["email", "name", "role", "is_active", "new_password"]
    form_extra_fields = {
        "new_password": PasswordField(
            "New password",
            validators=[Optional(), Length(max=1024)],  # the minimum is the service's (PASSWORD_MIN_LENGTH)
        )
    }
    form_overrides = {"email": EmailField, "role": SelectField, "name": StringField}
    form_args = {
        "email": {"validators": [DataRequired(), Email()]},
        "name": {"validators": [DataRequired(), Length(max=120)]},
        "role": {"choices": ROLE_CHOICES, "default": ROLE_ORDER[0].value},
    }
    form_widget_args = {"email": {"autocomplete": "off"}, "new_password": {"autocomplete": "new-password"}}

    def create_form(self, obj=None):
        return _describe_password(super().create_form(obj), "Required for a new account.")

    def edit_form(self, obj=None):
        return _describe_password(super().edit_form(obj), "Leave empty to keep the current password.")

    def on_form_prefill(self, form, id):
        form.email.render_kw = {"readonly": True}

    def create_model(self, form):
        if not form.new_password.data:
            return _refuse(form, ServiceError("Set a password for the new account.", "password"))
        try:
            return staff_service.create_staff(
                form.email.data, form.name.data, form.role.data, form.new_password.data, request_actor()
            )
        except ServiceError as error:
            return _refuse(form, error)

    def update_model(self, form, model):
        values = {"name": form.name.data, "role": form.role.data, "is_active": form.is_active.data}
        is_self = model is current_staff()
        try:
            staff_service.update_staff(model, values, request_actor(), new_password=form.new_password.data or None)
        except ServiceError as error:
            return _refuse(form, error)
        if is_self and form.new_password.data:
            sign_in(StaffIdentity(model))  # a new password ends the other sessions, not this one
        return True


# the service names the password "password"; this form calls it "new_password"
FIELD_NAMES = {"password": "new_password"}


def _refuse(form, error: ServiceError) -> bool:
    """The message beside its field (console/access.refuse), under this form's name for the password."""
    return refuse(form, ServiceError(error.message, FIELD_NAMES.get(error.field, error.field)))


def _describe_password(form, extra: str):
    form.new_password.description = f"At least {current_app.config['PASSWORD_MIN_LENGTH']} characters. {extra}"
    return form
