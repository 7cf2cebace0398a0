"""The base of every form: each field's raw text goes through `text.text_problem` before its own validators;
a value of the wrong type is not there at all: a file part (or a JSON list or number) sent for a text field, a
text sent where a file belongs.

`BoundedForm` (Flask-WTF, with CSRF) is the base of the portal's and the console's own forms; `BoundedModelForm` is
the `form_base_class` of every Flask-Admin model view.
"""

from __future__ import annotations

from flask_admin.form import BaseForm
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms.fields import FileField, TextAreaField
from wtforms.validators import Length, StopValidation

from backoffice.inputs.text import showable_text, text_problem


class TypedFormData:
    """Form data as the form's fields may read it: uploads for file fields, strings for every other field."""

    def __init__(self, formdata, file_fields: set[str]):
        self._formdata, self._file_fields = formdata, file_fields

    def getlist(self, name: str) -> list:
        wanted = FileStorage if name in self._file_fields else str
        return [value for value in self._formdata.getlist(name) if isinstance(value, wanted)]

    def __contains__(self, name: str) -> bool:
        return bool(self.getlist(name))

    def __iter__(self):
        return iter(self._formdata)

    def __len__(self) -> int:
        return len(self._formdata)


def typed_formdata(form, formdata):
    if formdata is None:
        return None
    return TypedFormData(formdata, {field.name for field in form if isinstance(field, FileField)})


def check_text(form, field) -> None:
    """A validator put first on every non-file field: the field's own message for text that cannot be stored."""
    caps = [v.max for v in field.validators if isinstance(v, Length) and v.max is not None and v.max >= 0]
    multiline = isinstance(field, TextAreaField)
    for value in field.raw_data or ():
        if isinstance(value, str):
            problem = text_problem(value, multiline=multiline, max_length=min(caps, default=None))
            if problem:
                field.errors = []  # "Not a valid integer value" says less than why the value is unusable
                _showable(field)
                raise StopValidation(problem)


def _showable(field) -> None:
    """The refused value with its invalid bytes as U+FFFD: what a view still reads from the field after a refusal
    (sign-in's captcha check queries with it) must be encodable, not only what the page shows."""
    field.raw_data = [showable_text(value) for value in field.raw_data]
    field.data = showable_text(field.data)


class BoundaryChecks:
    """Mixin for a WTForms form class."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:
            if isinstance(field, FileField):
                _only_files(field)
            else:
                field.validators = [check_text, *field.validators]


def _only_files(field: FileField) -> None:
    """A file field's data holds chosen files only (TypedFormData already left text out): an empty file input
    sends a nameless part, which is no file."""
    if isinstance(field.data, list):
        field.data = [item for item in field.data if item.filename]
    elif field.data is not None and not field.data.filename:
        field.data = None


class _TypedMeta:
    def wrap_formdata(self, form, formdata):
        return typed_formdata(form, super().wrap_formdata(form, formdata))


class BoundedForm(BoundaryChecks, FlaskForm):
    Meta = _TypedMeta  # WTForms combines it with Flask-WTF's Meta, which finds the request's data


class BoundedModelForm(BoundaryChecks, BaseForm):
    Meta = _TypedMeta
