"""Whether a piece of typed text can be stored: one function for forms, raw form values and query arguments.

Invalid UTF-8 reaches us as lone surrogates (see `wire`: the request decodes with `surrogateescape`), so it is
told apart from text a person typed instead of being stored as U+FFFD. PostgreSQL refuses NUL in text and SQLite
stores it, so NUL and the other control characters are refused on both, with a message a person can act on.
"""

from __future__ import annotations

import re

LINE_LENGTH = 1_000  # a single-line field without its own Length validator
TEXT_LENGTH = 100_000  # a text area (a message, a description, a rule set) without its own Length validator

_INVALID_UTF8 = re.compile("[\ud800-\udfff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # text areas keep tab, newline, CR
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f]")


def text_problem(value: str, *, multiline: bool = False, max_length: int | None = None) -> str | None:
    """What is wrong with `value` as a field's text, as a sentence for the person who typed it; None if nothing."""
    if _INVALID_UTF8.search(value):
        return "This contains bytes that are not valid UTF-8 text. Type or paste it again."
    if (_CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE).search(value):
        if "\x00" in value:
            return "This contains a NUL character, which cannot be stored. Remove it and try again."
        if not multiline and re.search("[\t\n\r]", value):
            return "This must be a single line, without tabs or line breaks."
        return "This contains a control character, which cannot be stored. Remove it and try again."
    limit = max_length if max_length is not None else (TEXT_LENGTH if multiline else LINE_LENGTH)
    if len(value) > limit:
        return f"This is too long: at most {limit:,} characters, and it has {len(value):,}."
    return None


def clean_text(value, *, multiline: bool = False, max_length: int | None = None) -> str:
    """`value` as text a service may store, or ValueError with `text_problem`'s message; None and non-text are
    treated as no text (a list or a file sent where text belongs)."""
    if not isinstance(value, str):
        return ""
    problem = text_problem(value, multiline=multiline, max_length=max_length)
    if problem:
        raise ValueError(problem)
    return value


def showable_text(value):
    """`value` as it can be shown again or put in a link: bytes that were not UTF-8 (kept as lone surrogates)
    become U+FFFD, which a page can encode; anything but text is returned as it is."""
    if not isinstance(value, str) or value.isascii() or not _INVALID_UTF8.search(value):
        return value  # the common case, as cheap as Jinja's finalize on every expression must be
    return type(value)(value.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
