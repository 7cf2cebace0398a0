"""Reading an uploaded CSV as text lines, within the console's size limit."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import abort, current_app, request


def uploaded_lines(storage) -> Iterator[str]:
    limit = current_app.config["CODE_IMPORT_MAX_BYTES"]
    if request.content_length and request.content_length > limit:
        abort(413)
    # utf-8-sig: spreadsheets often start the file with a byte-order mark
    return io.TextIOWrapper(storage.stream, encoding="utf-8-sig", newline="")
