"""Forms and links as a browser finds them in a rendered page (stdlib html.parser, no browser).

A form's fields are sent as a browser would send the form as rendered: text inputs and text areas with their
values, the selected option (or the first) of each select, ticked boxes and radios, hidden fields, and the
first named submit button. Where a browser would refuse to send it as rendered (a `required` field left empty,
a `required` box unticked), the field gets what a person would type: a plausible value of its type (PLAUSIBLE),
never a real account's address or password, so that a hostile value in another field reaches the code behind
the form's own checks. File inputs get a small file, so the rest of the form gets past "attach a file".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from backoffice.clock import utcnow
from tests.fuzz.hostile import Field, Part

SAMPLE_FILE = (b"sample.txt", b"harmless sample file\n")  # the file a file input sends by default
PLAUSIBLE = {"email": "fuzz-visitor@example.com", "password": "Fuzz-password-2718", "number": "1",
             "tel": "+493012345678", "url": "https://example.com/", "date": "today"}
PLAUSIBLE_TEXT = "A plausible value typed by the fuzz"  # long enough for a subject's or description's minimum
_UNSENT_TYPES = {"submit", "button", "reset", "image"}


@dataclass
class Input:
    name: str
    kind: str
    value: str = ""
    checked: bool = False
    required: bool = False
    options: list[str] = field(default_factory=list)  # a select's values, in order
    selected: list[str] = field(default_factory=list)

    def default_parts(self) -> list[Part]:
        """What the form as rendered sends for this input (a required radio group: see Form.default_parts)."""
        if self.kind in ("checkbox", "radio"):
            ticked = self.checked or (self.required and self.kind == "checkbox")
            return [Part(self.name, self.value.encode() or b"on")] if ticked else []
        if self.kind == "select":
            chosen = self.selected or self.options[:1]
            if self.required and chosen in ([], [""]):
                chosen = [option for option in self.options if option][:1]
            return [Part(self.name, value.encode()) for value in chosen]
        if self.kind == "file":
            filename, content = SAMPLE_FILE
            return [Part(self.name, content, filename, "text/plain")]
        if self.required and not self.value:
            return [Part(self.name, _plausible(self.kind).encode())]
        return [Part(self.name, self.value.encode())]

    def as_field(self) -> Field:
        others = [option for option in self.options if option not in self.selected[:1]]
        alternative = (others[0] if others else "x").encode()
        return Field(self.name, self.kind, alternative)


@dataclass
class Form:
    action: str  # absolute path, with the query string the action carries
    method: str
    enctype: str
    inputs: list[Input] = field(default_factory=list)
    submit: Input | None = None  # the first named submit button

    @property
    def is_multipart(self) -> bool:
        return self.enctype == "multipart/form-data"

    def default_parts(self) -> list[Part]:
        parts = [part for item in self.inputs for part in item.default_parts()]
        sent = {part.name for part in parts}
        for item in self.inputs:  # a required radio group with nothing chosen: a person picks the first
            if item.kind == "radio" and item.required and item.name not in sent:
                parts.append(Part(item.name, item.value.encode()))
                sent.add(item.name)
        if self.submit is not None:
            parts.append(Part(self.submit.name, self.submit.value.encode()))
        return parts

    def fields(self) -> list[Field]:
        """Each distinct field once (a group of radios or checkboxes is one field)."""
        seen: dict[str, Field] = {}
        for item in self.inputs:
            seen.setdefault(item.name, item.as_field())
        return list(seen.values())

    def signature(self) -> tuple:
        """Two forms with the same target and the same fields are one form to fuzz (a page may repeat it)."""
        return self.method, urlsplit(self.action).path, tuple(sorted({i.name for i in self.inputs}))


@dataclass
class Page:
    url: str
    forms: list[Form]
    links: list[str]  # same-site links, absolute paths with their query strings


class _PageParser(HTMLParser):
    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Input | None = None
        self._option: dict | None = None
        self._textarea: Input | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "a" and attributes.get("href"):
            self._link(attributes["href"])
        elif tag == "form":
            action = self._absolute(attributes.get("action") or self.base_url)
            self._form = Form(action=action or "", method=(attributes.get("method") or "get").upper(),
                              enctype=(attributes.get("enctype") or "application/x-www-form-urlencoded").lower())
            if action is not None:  # a form posting to another site is read (to keep its fields) but not kept
                self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            self._close_option()  # an <option> may leave out its end tag
            self._option = {"value": attributes.get("value"), "selected": "selected" in attributes, "text": ""}
        elif self._form is None or not attributes.get("name") or "disabled" in attributes:
            return  # browsers send only named, enabled controls of a form
        elif tag == "input":
            self._input(attributes)
        elif tag == "button":
            self._button(attributes)
        elif tag == "select":
            self._select = Input(attributes["name"], "select", required="required" in attributes)
            self._form.inputs.append(self._select)
        elif tag == "textarea":
            self._textarea = Input(attributes["name"], "textarea", required="required" in attributes)
            self._form.inputs.append(self._textarea)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._close_option()
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # a browser drops the line break right after <textarea> (WTForms writes one before the text)
            self._textarea.value = re.sub(r"^\r?\n", "", self._textarea.value)
            self._textarea = None
        elif tag == "option":
            self._close_option()

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option["text"] += data

    def _close_option(self) -> None:
        if self._option is None or self._select is None:
            return
        value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
        self._select.options.append(value)
        if self._option["selected"]:
            self._select.selected.append(value)
        self._option = None

    def _input(self, attributes: dict[str, str]) -> None:
        kind = (attributes.get("type") or "text").lower()
        if kind in _UNSENT_TYPES:
            if kind == "submit" and self._form.submit is None:
                self._form.submit = Input(attributes["name"], kind, attributes.get("value", ""))
            return
        self._form.inputs.append(Input(attributes["name"], kind, attributes.get("value", ""),
                                       checked="checked" in attributes, required="required" in attributes))

    def _button(self, attributes: dict[str, str]) -> None:
        if (attributes.get("type") or "submit").lower() == "submit" and self._form.submit is None:
            self._form.submit = Input(attributes["name"], "submit", attributes.get("value", ""))

    def _link(self, href: str) -> None:
        url = self._absolute(href)
        if url is not None and urlsplit(url).query:
            self.links.append(url)

    def _absolute(self, href: str) -> str | None:
        """A same-site path with its query, or None for another site, a fragment or a javascript: link."""
        parts = urlsplit(urljoin(self.base_url, href))
        if parts.scheme not in ("", "http") or parts.netloc not in ("", "localhost") or not parts.path:
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")


def _plausible(kind: str) -> str:
    value = PLAUSIBLE.get(kind, PLAUSIBLE_TEXT)
    return utcnow().date().isoformat() if value == "today" else value


def parse_page(url: str, html: str) -> Page:
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return Page(url, parser.forms, parser.links)


def query_parts(url: str) -> list[Part]:
    return [Part(name, value.encode()) for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
