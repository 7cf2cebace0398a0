"""Uploaded CSV files: the console's size limit for them, and reading one as text lines."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import current_app, request


def limit_upload() -> None:
    """Call before the form reads the body: a larger upload gets the 413 page, which names this limit."""
    request.max_content_length = current_app.config["CODE_IMPORT_MAX_BYTES"]


def uploaded_lines(storage) -> Iterator[str]:
    # utf-8-sig: spreadsheets often start the file with a byte-order mark
    return io.TextIOWrapper(storage.stream, encoding="utf-8-sig", newline="")
