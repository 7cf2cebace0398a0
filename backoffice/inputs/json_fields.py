"""The input boundary for JSON bodies and API query arguments (marshmallow fields): text goes through the same
`text_problem` as every form (valid UTF-8, no NUL or control characters, a length cap), numbers are bounded to
what a database id can be, and a wrong type is refused with the field's own message before any service sees it."""

from __future__ import annotations

import marshmallow as ma

from backoffice.inputs.numbers import MAX_ID
from backoffice.inputs.text import LINE_LENGTH, TEXT_LENGTH, text_problem


class Text(ma.fields.String):
    """A string that can be stored: `multiline` for message bodies; `max_length` caps it (documented)."""

    def __init__(self, *, multiline: bool = False, max_length: int | None = None, **kwargs):
        self.multiline = multiline
        self.max_length = max_length if max_length is not None else (TEXT_LENGTH if multiline else LINE_LENGTH)
        kwargs.setdefault("validate", ma.validate.Length(max=self.max_length))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, multiline=self.multiline, max_length=self.max_length)
        if problem:
            raise ma.ValidationError(problem)
        return text


class Id(ma.fields.Integer):
    """A database id: a JSON integer from 1 to 2⁶³-1 (no float, no string)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strict", True)
        kwargs.setdefault("validate", ma.validate.Range(min=1, max=MAX_ID))
        super().__init__(**kwargs)
