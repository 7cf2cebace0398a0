"""What a person reads on a console page: the text outside tags, scripts, styles and attributes (and form values:
inputs and textareas), without the code literals the page marks as such (<code>, <pre>, .text-monospace), and
the machine words found in it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# a textarea holds a field's value (what someone typed), like an input's value attribute
SKIPPED_TAGS = {"script", "style", "code", "pre", "kbd", "samp", "template", "noscript", "textarea"}
SKIPPED_CLASSES = {"text-monospace", "sr-only-code"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# cells whose whole text is one word: where a raw enum value would show
CELL_TAGS = {"td", "dd", "option", "li", "th"}

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"\b(?:https?://|/)\S+")
FILE_NAME = re.compile(r"\b[\w.-]+\.(?:zip|exe|com|txt|pdf|csv|docx?|xlsx?|7z|rar|bin|dll|js|vbs|yar|png|jpe?g)\b",
                       re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")  # "{customer_name}": a literal a person types into a canned text
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


class _Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.text: list[str] = []
        self.cells: list[str] = []
        self._cell: list[list[str]] = []

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag in VOID_TAGS:
            return
        classes = set((dict(attrs).get("class") or "").split())
        self.stack.append((tag, tag in SKIPPED_TAGS or bool(classes & SKIPPED_CLASSES)))
        if tag in CELL_TAGS:
            self._cell.append([])

    def handle_endtag(self, tag):
        if tag in VOID_TAGS:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag in CELL_TAGS and self._cell:
                self.cells.append(" ".join("".join(self._cell.pop()).split()))
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._skipping():
            return
        self.text.append(data)
        for cell in self._cell:
            cell.append(data)


def visible(html: str) -> tuple[str, list[str]]:
    """The page's visible text (one string) and the text of each table cell, definition and option."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return " ".join(" ".join(reader.text).split()), reader.cells


def _plain(text: str) -> str:
    for pattern in (EMAIL, URL, FILE_NAME, PLACEHOLDER):
        text = pattern.sub(" ", text)
    return text


def machine_words(html: str, raw_values: set[str]) -> list[str]:
    """snake_case tokens in the visible text, and cells that show nothing but a raw value (an enum's value, an
    audit action) where a label belongs."""
    text, cells = visible(html)
    found = SNAKE.findall(_plain(text))
    found += [value for value in raw_values if "." in value and re.search(rf"(?<![\w@.]){re.escape(value)}(?![\w.])",
                                                                      _plain(text))]
    found += [cell for cell in cells if cell in raw_values]
    return sorted(set(found))
