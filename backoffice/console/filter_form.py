"""A plain GET filter form above a console list, in place of Flask-Admin's JavaScript filter builder.

Flask-Admin's "Add Filter" menu builds its inputs with JavaScript (select2, inline `onclick` handlers that our
Content-Security-Policy blocks) and gives them no labels. This form needs no script: one labelled input per
filter, an "Apply filters" button and a "Clear" link (templates/console/_filter_form.html).

Each field stands for one of the view's `column_filters`, in the same order, and submits under Flask-Admin's own
URL argument for that filter (`flt<position>_<filter argument>`): the filters that run are still the view's
index-backed ones, and links that use those arguments keep working.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, request

from backoffice.console.filters import accepts, left_out_note

FILTER_ARG = re.compile(r"flt\d+_(.+)")


@dataclass(frozen=True)
class FilterField:
    """One input of the form. `kind` is "text", "select" or "date"; a select lists `options()` when given,
    else the options its filter declares."""

    key: str  # the input's id is f-<key>; templates look fields up by it
    label: str
    kind: str = "text"
    options: Callable[[], list[tuple[str, str]]] | None = None


@dataclass(frozen=True)
class BoundFilterField:
    key: str
    label: str
    kind: str
    param: str  # the URL argument the input submits under
    value: str  # what this request asked for, shown again in the input
    options: list[tuple[str, str]]


class PlainFilterFormMixin:
    """For StaffModelView subclasses: set `filter_form_fields`, one FilterField per entry of `column_filters`."""

    filter_form_fields: tuple[FilterField, ...] = ()

    def _get_list_filter_args(self):
        """Flask-Admin's parsing, except that a blank input means "any" rather than an invalid value."""
        if not self._filters:
            return None
        chosen = []
        for arg, value in request.args.items():
            match = FILTER_ARG.fullmatch(arg)
            if not match or match.group(1) not in self._filter_args or not value.strip():
                continue
            index, flt = self._filter_args[match.group(1)]
            if flt.validate(value.strip()) and accepts(flt, value.strip()):
                chosen.append((int(arg[3:].split("_", 1)[0]), (index, str(flt.name), value.strip())))
            else:
                flash(left_out_note(flt, value.strip()), "warning")
        return [filter_ for _position, filter_ in sorted(chosen, key=lambda item: item[0])]

    def plain_filters(self) -> dict[str, BoundFilterField]:
        """The form's fields by key, each with its URL argument and the value this request asked for."""
        asked = {}
        for arg, value in request.args.items():
            match = FILTER_ARG.fullmatch(arg)
            if match and value.strip():
                asked.setdefault(match.group(1), value.strip())
        fields = {}
        for index, (field, flt) in enumerate(zip(self.filter_form_fields, self._filters, strict=True)):
            argument = self.get_filter_arg(index, flt)
            options = field.options() if field.options else (flt.get_options(self) or [])
            fields[field.key] = BoundFilterField(
                field.key, field.label, field.kind, f"flt{index}_{argument}", asked.get(argument, ""),
                [(str(value), str(label)) for value, label in options])
        return fields

    def render(self, template, **kwargs):
        if template == self.list_template and self.filter_form_fields:
            kwargs["plain_filters"] = self.plain_filters()
            # without these, Flask-Admin's list page leaves out its JavaScript filter menu and rows
            kwargs["filters"] = None
            kwargs["filter_groups"] = None
        return super().render(template, **kwargs)
