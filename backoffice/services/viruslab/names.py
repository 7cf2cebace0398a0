"""Names of files from customers and inside archives: kept as they were given, shown so that they cannot mislead.

A member name is only a label (nothing is ever written under it), so it is kept raw. Raw is not safe to show: a
right-to-left override makes `Scan_\u202egpj.zip` read as "Scan_piz.jpg", a newline can fake a second line, a
zero-width character can hide inside an extension. `display_name` is the one function every face (console,
portal, mail, API) shows a member name through.

Choice: each such character is shown as a visible ASCII escape, `\\u202e` (`\\U000e0041` past U+FFFF), rather
than as a Unicode "symbol for" glyph: an escape exists for every code point, is copyable into a search, and cannot
itself be a control character.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 1024  # ArchiveMember.member_name

# bidirectional controls: embeddings, overrides and isolates, the implicit marks and the Arabic letter mark
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# Unicode categories that never draw a glyph of their own: control (C0, DEL, C1), format (zero-width and bidi
# characters, the BOM, soft hyphen), surrogate, private use, unassigned, and the line and paragraph separators
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_file_name(name: str) -> str:
    """A name a customer's browser sent, cleaned once as it is stored: its last path part, no control bytes."""
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:255] or "file"


def display_name(name: str | None) -> str:
    """`name` with every bidi control and every other invisible or control character replaced by its escape."""
    if not name:
        return ""
    return "".join(_escape(char) if _hidden(char) else char for char in name)


def stored_name(name: str) -> str:
    """The raw name as the database can hold it: NUL and unpaired surrogates (neither fits a UTF-8 text column)
    become U+FFFD, and the name is cut at the column's length."""
    return _UNSTORABLE.sub("\ufffd", name)[:MAX_NAME_CHARS]


def _hidden(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def _escape(char: str) -> str:
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
