"""CSV files the system writes, made safe to open in a spreadsheet, and streams that say when they broke.

A cell a spreadsheet would read as a formula (it starts with =, +, -, @, a tab or a carriage return) gets a
leading apostrophe, so a product named `=HYPERLINK(...)` reaches the reader as text (OWASP's CSV injection
advice). A stream that fails after the download has started cannot change its status any more: it ends with a
line saying the file is incomplete, instead of a silently truncated file.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator

log = logging.getLogger("backoffice.csv")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
INCOMPLETE_LINE = "# The export stopped early because of an error on the server: this file is incomplete.\r\n"


def neutral(value):
    """The cell as a spreadsheet should show it: text that would start a formula is quoted; numbers stay."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text with RFC 4180's CRLF line ends, every cell neutralised. (With bare \\n line ends the csv
    module would leave a carriage return inside a cell unquoted, and a reader would split the row there.)"""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutral(value) for value in row])
    return buffer.getvalue()


def ending_visibly(chunks: Iterable[str]) -> Iterator[str]:
    """Pass a CSV stream through; if it fails part-way, log why and end it with INCOMPLETE_LINE."""
    try:
        yield from chunks
    except Exception:  # the response has begun: the only honest thing left is to say so in the file
        log.exception("CSV export failed part-way")
        yield INCOMPLETE_LINE
