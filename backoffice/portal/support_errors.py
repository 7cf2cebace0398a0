"""A refusal put beside the field it is about (or above the form), whether or not the form was validated."""

from __future__ import annotations


def put_error(form, name: str | None, message: str) -> None:
    if name and name in form:
        form[name].errors = [*form[name].errors, message]
    else:
        form.form_errors = [*form.form_errors, message]
