"""The console lists' table as one string built in Python, placed in the page by a single template call.

A Jinja template yields each text piece through every level of its inheritance (the list, Flask-Admin's list,
master and base templates, ours and theirs: five generators), and a 50-row table is some two thousand pieces:
that machinery, not the data, was most of a list page's time. Built here, the table is one piece. It is the table
templates/console/list.html drew before: the same headings, sort links with aria-sort, prebuilt row links
(console/row_actions.py) and cells formatted by the view's own formatters (`get_value`), each escaped, and shown
through the app's `finalize` (text that was not UTF-8 shown as U+FFFD) like every other value on a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import current_app, url_for
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from werkzeug.routing import BuildError


@pass_context
def list_table(context: Context) -> Markup:
    view = context["admin_view"]
    finalize = current_app.jinja_env.finalize or (lambda value: value)
    columns = context["list_columns"]
    actions = context["list_row_actions"] if view.column_display_actions else None
    parts = ['<div class="table-responsive">\n<table class="table table-striped table-bordered table-hover '
             'model-list">\n  <thead><tr>']
    if actions is not None:
        parts.append('<th scope="col"><span class="sr-only">Actions</span></th>')
    parts.extend(_heading(context, view, index, name, label) for index, (name, label) in enumerate(columns))
    parts.append("</tr></thead>\n  <tbody>\n")
    get_pk_value = context["get_pk_value"]
    cells = [_Cell(view, context, name) for name, _ in columns]
    rows = context["data"]
    for row in rows:
        parts.append("  <tr>")
        if actions is not None:
            pk = get_pk_value(row)
            parts.append('<td class="list-buttons-column">')
            parts.extend(action.render_ctx(context, pk, row) for action in actions)
            parts.append("</td>")
        for cell in cells:
            parts.append(f"{cell.opening}{escape(finalize(cell.value(row)))}</td>")
        parts.append("</tr>\n")
    if not rows:
        parts.append(f'  <tr><td colspan="{len(columns) + (actions is not None)}"><div class="text-center">'
                     f"{escape(view.get_empty_list_message())}</div></td></tr>\n")
    parts.append("  </tbody>\n</table>\n</div>\n")
    return Markup("".join(parts))


class _Cell:
    """One column's values, as Flask-Admin's `get_list_value` gives them (the view's column formatter or the
    attribute, its choices, then the formatter of the value's type), with the lookups done once per page: the
    type formatter is found by the same isinstance walk, once per type met rather than once per cell."""

    def __init__(self, view, context: Context, name: str):
        self.view, self.context, self.name = view, context, name
        self.opening = f'<td class="col-{escape(name)}">'
        self.formatter = view.column_formatters.get(name)
        self.choices = view._column_choices_map.get(name) or {}
        self.path = name.split(".")
        self.type_formatters: dict[type, object] = {}

    def value(self, row):
        if self.formatter is not None:
            value = self.formatter(self.view, self.context, row, self.name)
        else:
            value = row
            for attribute in self.path:  # Flask-Admin's rec_getattr: a dotted name follows relations
                value = getattr(value, attribute, None)
                if value is None:
                    break
        if self.choices:
            return self.choices.get(value) or value
        kind = type(value)
        type_formatter = self.type_formatters.get(kind, _UNKNOWN)
        if type_formatter is _UNKNOWN:
            type_formatter = self.type_formatters[kind] = next(
                (formatter for typeobj, formatter in self.view.column_type_formatters.items()
                 if isinstance(value, typeobj)), None)
        return value if type_formatter is None else type_formatter(self.view, value, self.name)


_UNKNOWN = object()


def _heading(context: Context, view, index: int, name: str, label: str) -> str:
    sorted_here = context["sort_column"] == index
    sort_desc = context["sort_desc"]
    opening = f'<th scope="col" class="column-header col-{escape(name.replace(".", "-"))}"'
    if sorted_here:
        opening += f' aria-sort="{"descending" if sort_desc else "ascending"}"'
    if not view.is_sortable(name):
        return f"{opening}>{escape(label)}</th>"
    href = escape(context["sort_url"](index, sorted_here and not sort_desc))
    arrow = f' <span aria-hidden="true">{"▼" if sort_desc else "▲"}</span>' if sorted_here else ""
    return f'{opening}><a href="{href}">{escape(label)}{arrow}</a></th>'


@pass_context
def include_flat(context: Context, name: str) -> Markup:
    """Template `name` rendered on its own with the page's variables, and placed as one piece: what an
    `{% include %}` of a long table would yield piece by piece through the page's whole inheritance chain."""
    return Markup(context.environment.get_template(name).render(context.get_all()))


# stand-ins for the value, which url_for's quoting leaves as they are: text, or a number for an <int:...> part
_PLACEHOLDERS = ("URLVALUEPLACEHOLDER", 8124620145930771)
_PLAIN = re.compile(r"[A-Za-z0-9_.-]+")


def url_builder(endpoint: str, key: str, **values) -> Callable[[object], str]:
    """`url_for(endpoint, key=value, **values)` for many values, with the URL built once: a table's links per
    row (a `url_for` is some 20 µs; a 50-row queue has two a row)."""
    prefix, suffix = _around_placeholder(endpoint, key, values)

    def build(value) -> str:
        text = str(value)
        if _PLAIN.fullmatch(text):  # ids and ticket numbers: nothing to quote
            return f"{prefix}{text}{suffix}"
        return url_for(endpoint, **{key: value}, **values)  # url_for knows how each part is quoted

    return build


def _around_placeholder(endpoint: str, key: str, values: dict) -> tuple[str, str]:
    for placeholder in _PLACEHOLDERS:
        try:
            url = url_for(endpoint, **{key: placeholder}, **values)
        except (BuildError, ValueError):  # an <int:...> part refuses text
            continue
        prefix, _, suffix = url.partition(str(placeholder))
        return prefix, suffix
    raise BuildError(endpoint, {key: "…", **values}, None)


def register(app) -> None:
    app.jinja_env.globals.update(list_table=list_table, include_flat=include_flat)
