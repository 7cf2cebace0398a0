"""Codes as CSV, streamed: keyset pages over the primary key, so memory stays flat at millions of rows. Cells go
through services/csv_files, so none reaches a spreadsheet as a formula."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, Product
from backoffice.services.csv_files import csv_text, ending_visibly
from backoffice.services.licensing.states import in_force_entry, state_condition, state_of

EXPORT_HEADER = ["code", "product", "seats", "seats_taken", "valid_from", "expires_at", "state"]
PAGE = 5_000


def export_codes_csv(product_id: int | None = None, state: str | None = None) -> Iterator[str]:
    """CSV text in chunks of one page each; the first chunk is the header. A failure part-way ends the file with
    a line that says it is incomplete."""
    return ending_visibly(_export_pages(product_id, state))


def _export_pages(product_id: int | None, state: str | None) -> Iterator[str]:
    now = utcnow()
    yield csv_text([EXPORT_HEADER])
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
        # a row has valid_from and expires_at, all that state_of reads
        yield csv_text([row.code, row.product, row.seats, row.seats_taken, row.valid_from.isoformat(),
                        row.expires_at.isoformat(), state_of(row, bool(row.blacklisted), now).value] for row in rows)
        last_id = rows[-1].id


def codes_csv(codes: list[str], product: str, seats: int, valid_from, expires_at) -> str:
    """The file handed over after "generate": the import format, so it can be loaded elsewhere."""
    header = ["code", "product", "seats", "valid_from", "expires_at"]
    return csv_text([header, *([code, product, seats, valid_from.isoformat(), expires_at.isoformat()]
                               for code in codes)])
