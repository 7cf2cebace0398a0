"""CSV files the system writes, made safe to open in a spreadsheet, and streams that say when they broke; CSV
files it reads, whose every cell passes the input boundary.

Reading: `CsvRows` is csv.reader over an uploaded file whose problems (a cell past the csv module's 131,072
characters, a NUL or control character in a cell, bytes that are not UTF-8) become one ServiceError naming the
line, instead of a 500 or a stored NUL.

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

from backoffice.inputs.text import text_problem
from backoffice.services import ServiceError

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


class CsvRows:
    """Rows of an uploaded CSV file, each cell checked as a single line of text; `line_num` as csv.reader's."""

    def __init__(self, text_lines: Iterable[str]):
        self._reader = csv.reader(text_lines)

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> CsvRows:
        return self

    def __next__(self) -> list[str]:
        line = self._reader.line_num + 1
        try:
            row = next(self._reader)
        except csv.Error as error:
            reason = (f"a cell is longer than {csv.field_size_limit():,} characters" if "field limit" in str(error)
                      else "its quoting is broken (a quote or line break inside a cell that is not quoted)")
            raise ServiceError(f"Line {line} cannot be read: {reason}.", "file") from error
        except UnicodeDecodeError:
            message = f"The file is not UTF-8 text (from line {line} on). Save it as CSV UTF-8."
            raise ServiceError(message, "file") from None
        for cell in row:
            problem = text_problem(cell)
            if problem:
                raise ServiceError(f"Line {self.line_num}: a cell cannot be used. {problem}", "file")
        return row
