"""The hostile values of issue 11, and how each one is put into a path segment, a query string or a form.

A value is either plain content (`Text`: what replaces the field's value) or a change of the field's shape
(sent twice, sent as `name[]`, a file where text belongs, ...). Content is kept as bytes, so invalid UTF-8 can
be sent as the raw byte 0xFF in a multipart body and as `%FF` in a URL, as a real browser or script would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from urllib.parse import quote_from_bytes

MB = 1024 * 1024


@dataclass(frozen=True)
class Part:
    """One field of a request body (or one query argument): a name, bytes, and a filename if it is a file."""

    name: str
    value: bytes
    filename: bytes | None = None
    content_type: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None


@dataclass(frozen=True)
class Field:
    """What a hostile value needs to know about the field it replaces: its kind and a second valid choice."""

    name: str
    kind: str  # text, textarea, file, select, checkbox, hidden, ...
    alternative: bytes = b"x"  # another value the field could take (a second option), for "sent twice"

    @property
    def is_file(self) -> bool:
        return self.kind == "file"


@dataclass(frozen=True)
class Hostile:
    name: str

    def fits_url(self) -> bool:
        """Whether the value can stand in a path segment or a query argument (shape changes mostly cannot)."""
        return False

    def fits(self, field: Field) -> bool:
        """Whether the value means something for this field (a file where text is, only for a text field)."""
        return True

    def apply(self, parts: list[Part], field: Field) -> list[Part] | None:
        """The parts with `field` made hostile; None where this value means nothing for that field."""
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Hostile):
    content: bytes = b""

    def fits_url(self) -> bool:
        return True

    def in_url(self) -> str:
        return quote_from_bytes(self.content, safe="")

    def apply(self, parts: list[Part], field: Field) -> list[Part]:
        if field.is_file:  # a file field takes the value as its file name, where names cause trouble
            return _replace(parts, field, lambda part: [replace(part, filename=self.content)])
        return _replace(parts, field, lambda part: [Part(part.name, self.content)], add=Part(field.name, self.content))


@dataclass(frozen=True)
class SentTwice(Hostile):
    def fits_url(self) -> bool:
        return True

    def apply(self, parts: list[Part], field: Field) -> list[Part]:
        return _replace(parts, field, lambda part: [part, replace(part, value=field.alternative)],
                        add=Part(field.name, field.alternative))


@dataclass(frozen=True)
class SentAsList(Hostile):
    """`name[]=...` as PHP-minded clients send arrays: the field itself is then missing."""

    def fits_url(self) -> bool:
        return True

    def apply(self, parts: list[Part], field: Field) -> list[Part]:
        return _replace(parts, field, lambda part: [replace(part, name=f"{part.name}[]")],
                        add=Part(f"{field.name}[]", field.alternative))


@dataclass(frozen=True)
class Missing(Hostile):
    def apply(self, parts: list[Part], field: Field) -> list[Part] | None:
        if not any(part.name == field.name for part in parts):
            return None
        return [part for part in parts if part.name != field.name]


@dataclass(frozen=True)
class TextForFile(Hostile):
    """A multipart field with no filename where a file input is."""

    def fits(self, field: Field) -> bool:
        return field.is_file

    def apply(self, parts: list[Part], field: Field) -> list[Part] | None:
        if not field.is_file:
            return None
        return _replace(parts, field, lambda part: [Part(part.name, b"not a file")],
                        add=Part(field.name, b"not a file"))


@dataclass(frozen=True)
class FileForText(Hostile):
    """A file part where a text input is."""

    def fits(self, field: Field) -> bool:
        return not field.is_file

    def apply(self, parts: list[Part], field: Field) -> list[Part] | None:
        if field.is_file:
            return None
        upload = Part(field.name, b"file content\n", filename=b"fuzz.txt", content_type="text/plain")
        return _replace(parts, field, lambda part: [upload], add=upload)


def _replace(parts: list[Part], field: Field, change: Callable[[Part], list[Part]],
             add: Part | None = None) -> list[Part]:
    """The field's first part changed by `change`, its other parts (more ticked boxes) left out; if the form
    sent none (an unticked box), `add` is sent in its place."""
    result: list[Part] = []
    found = False
    for part in parts:
        if part.name == field.name and not found:
            result.extend(change(part))
            found = True
        elif part.name != field.name:
            result.append(part)
    if not found and add is not None:
        result.append(add)
    return result


HOSTILE: list[Hostile] = [
    Text("beyond 64 bits", b"99999999999999999999"),
    Text("minus one", b"-1"),
    Text("not a number", b"abc"),
    Text("comma list", b"1,2"),
    Text("NUL byte", b"a\x00b"),
    Text("control characters", b"bell\x07escape\x1b[0m"),
    Text("newline", b"line one\nline two"),
    Text("CRLF header", b"/console/\r\nSet-Cookie: fuzz=1"),
    Text("invalid UTF-8", b"ab\xffcd"),
    Text("empty", b""),
    Text("300 chars", b"x" * 300),
    Text("5000 chars", b"y" * 5000),
    Text("1 MB", b"z" * MB),
    Text("out of range", b"999"),
    SentTwice("sent twice"),
    SentAsList("sent as list"),
    Missing("missing"),
    TextForFile("text for file"),
    FileForText("file for text"),
]
URL_HOSTILE: list[Hostile] = [value for value in HOSTILE if value.fits_url()]
# Sent to every form field on every run, besides the rotating few: the values the boundary must turn into a
# field's message everywhere, and the ones that have reached the app's code as something it did not expect
ALWAYS_IN_FORMS = {"NUL byte", "invalid UTF-8", "file for text", "text for file"}
PATH_HOSTILE: list[Text] = [value for value in HOSTILE if isinstance(value, Text)]

# Query arguments pages read besides those their links show, by the kind of page (the endpoint's name): a
# list's page, sort column and direction, search and filters by position (flt1_1 names a filter that is not
# there), a record's id and return address on Flask-Admin's record pages, the return address of sign-in pages.
LIST_ARGUMENTS = ["page", "sort", "desc", "search", "flt0_0", "flt1_1"]
RECORD_ARGUMENTS = ["id", "url"]
KNOWN_ARGUMENTS = {"index_view": LIST_ARGUMENTS, "details_view": RECORD_ARGUMENTS, "edit_view": RECORD_ARGUMENTS,
                   "create_view": ["url"], "login": ["next"]}
EVERY_KNOWN_ARGUMENT = sorted({name for names in KNOWN_ARGUMENTS.values() for name in names})
# The cases issue 11 names, sent on every run whatever the rotation picks: (kind of page, argument) -> values
_LIST_CASES = {"page": ["beyond 64 bits", "minus one"], "sort": ["out of range"], "desc": ["not a number"],
               "flt0_0": ["not a number"], "flt1_1": ["not a number"]}
_RECORD_CASES = {"id": ["comma list", "not a number"], "url": ["newline", "1 MB"]}
ISSUE_CASES = {"index_view": _LIST_CASES, "details_view": _RECORD_CASES, "edit_view": _RECORD_CASES}


def query_string(parts: list[Part]) -> str:
    """Parts as a query string, every byte percent-encoded (so 0xFF travels as %FF)."""
    return "&".join(f"{quote_from_bytes(p.name.encode(), safe='[]')}={quote_from_bytes(p.value, safe='')}"
                    for p in parts)


def urlencoded(parts: list[Part]) -> bytes:
    return query_string(parts).encode("ascii")


def multipart(parts: list[Part], boundary: bytes = b"----fuzz-boundary-7d93a1") -> tuple[bytes, str]:
    """A multipart/form-data body built by hand, so file names and values go out as raw bytes."""
    chunks: list[bytes] = []
    for part in parts:
        disposition = b'form-data; name="' + part.name.encode() + b'"'
        if part.filename is not None:
            disposition += b'; filename="' + part.filename.replace(b'"', b"%22") + b'"'
        chunks.append(b"--" + boundary + b"\r\nContent-Disposition: " + disposition + b"\r\n")
        if part.filename is not None:
            chunks.append(b"Content-Type: " + (part.content_type or "application/octet-stream").encode() + b"\r\n")
        chunks.append(b"\r\n" + part.value + b"\r\n")
    chunks.append(b"--" + boundary + b"--\r\n")
    return b"".join(chunks), f"multipart/form-data; boundary={boundary.decode()}"
