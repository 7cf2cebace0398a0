"""Codes as CSV, streamed: keyset pages over the primary key, so memory stays flat at millions of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, Product
from backoffice.services.licensing.states import in_force_entry, state_condition, state_of

EXPORT_HEADER = ["code", "product", "seats", "seats_taken", "valid_from", "expires_at", "state"]
PAGE = 5_000


def export_codes_csv(product_id: int | None = None, state: str | None = None) -> Iterator[str]:
    """CSV text in chunks of one page each; the first chunk is the header."""
    now = utcnow()
    yield _csv_line(EXPORT_HEADER)
    last_id = 0
    while True:
        # plain columns, not ORM objects: nothing accumulates in the session however many pages are read
        query = (
            select(ActivationCode.id, ActivationCode.code, Product.name.label("product"), ActivationCode.seats,
                   ActivationCode.seats_taken, ActivationCode.valid_from, ActivationCode.expires_at,
                   in_force_entry(ActivationCode.id).label("blacklisted"))
            .join(Product, Product.id == ActivationCode.product_id)
            .where(ActivationCode.id > last_id)
            .order_by(ActivationCode.id)
            .limit(PAGE)
        )
        if product_id is not None:
            query = query.where(ActivationCode.product_id == product_id)
        if state:
            query = query.where(state_condition(state, now))
        rows = db.session.execute(query).all()
        if not rows:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in rows:  # a row has valid_from and expires_at, all that state_of reads
            writer.writerow([row.code, row.product, row.seats, row.seats_taken, row.valid_from.isoformat(),
                             row.expires_at.isoformat(), state_of(row, bool(row.blacklisted), now).value])
        last_id = rows[-1].id
        yield buffer.getvalue()


def codes_csv(codes: list[str], product: str, seats: int, valid_from, expires_at) -> str:
    """The file handed over after "generate": the import format, so it can be loaded elsewhere."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "product", "seats", "valid_from", "expires_at"])
    for code in codes:
        writer.writerow([code, product, seats, valid_from.isoformat(), expires_at.isoformat()])
    return buffer.getvalue()


def _csv_line(values: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()
