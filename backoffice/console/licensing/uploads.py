"""Uploaded CSV files: the console's size limit for them, and reading one as text lines."""

from __future__ import annotations

import io
from collections.abc import Iterator

from flask import current_app

from backoffice.inputs.body_limits import body_limit
from backoffice.web import format_bytes


@body_limit("codes.import_view", "blacklist.import_view")
def csv_upload_limit() -> tuple[int, str]:
    limit = current_app.config["CODE_IMPORT_MAX_BYTES"]
    return limit, f"The upload is larger than the limit of {format_bytes(limit)}."


def uploaded_lines(storage) -> Iterator[str]:
    # utf-8-sig: spreadsheets often start the file with a byte-order mark
    return io.TextIOWrapper(storage.stream, encoding="utf-8-sig", newline="")
