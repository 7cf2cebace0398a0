"""Putting a service's refusal where the person will see it: beside its field, or above the form."""

from __future__ import annotations

from backoffice.services import ServiceError


def show_error(form, error: ServiceError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)
