"""Import activation codes from CSV: all or nothing, every bad line reported, fast at millions of rows.

How: each line is checked in Python and the good ones are streamed into a temporary staging table (COPY on
PostgreSQL, batched multi-row INSERTs on SQLite). Duplicates inside the file and against the database are then
found by two set-based queries. Only when no line is bad (and it is not a dry run) does one
INSERT ... SELECT move the rows into activation_codes, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, literal, select, text
from sqlalchemy.exc import IntegrityError

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, Product
from backoffice.models.types import UTCDateTime
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.csv_files import CsvRows
from backoffice.services.licensing.manage import MAX_SEATS
from backoffice.services.licensing.normalise import FORMAT_HELP, normalise_code
from backoffice.services.licensing.report import BulkReport

CODES_CSV_HEADER = ["code", "product", "seats", "valid_from", "expires_at"]
STAGING_BATCH = 10_000

_staging_metadata = MetaData()
staging = Table(
    "code_import_staging", _staging_metadata,
    Column("line", Integer, nullable=False),
    Column("code", String(23), nullable=False),
    Column("product_id", Integer, nullable=False),
    Column("seats", Integer, nullable=False),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


def import_codes(text_lines: Iterable[str], actor: Actor, dry_run: bool = False,
                 progress: Callable[[int], object] = lambda lines: None) -> BulkReport:
    """Read `code,product,seats,valid_from,expires_at` lines and add every code, or none."""
    report = BulkReport(dry_run=dry_run)
    reader = CsvRows(text_lines)
    header = [column.strip().lower() for column in next(reader, [])]
    if header != CODES_CSV_HEADER:
        raise ServiceError(f"The first line must be the header: {','.join(CODES_CSV_HEADER)}.")
    parse = _LineParser({name.lower(): id_ for id_, name in db.session.execute(select(Product.id, Product.name))})
    writer = _StagingWriter()
    for row in reader:
        report.checked += 1
        parsed = parse(row)
        if isinstance(parsed, str):
            report.error(reader.line_num, parsed)
        else:
            writer.add((reader.line_num, *parsed))
        if report.checked % STAGING_BATCH == 0:
            progress(STAGING_BATCH)
    writer.finish()
    progress(report.checked % STAGING_BATCH)
    _report_duplicates(report)
    report.sort()
    if report.ok and not dry_run and writer.rows:
        now = utcnow()
        columns = ["code", "product_id", "seats", "valid_from", "expires_at", "seats_taken", "extra_transfers",
                   "created_at"]
        source = select(staging.c.code, staging.c.product_id, staging.c.seats, staging.c.valid_from,
                        staging.c.expires_at, literal(0), literal(0), literal(now, UTCDateTime))
        source = source.order_by(staging.c.line)
        try:
            db.session.execute(insert(ActivationCode.__table__).from_select(columns, source))
        except IntegrityError:  # a parallel import or generation added one of these codes after our check
            db.session.rollback()
            report.error(0, "Another import added some of these codes while this file was checked; nothing was "
                            "written. Send the file again to see which lines they are.")
            return report
        report.written = writer.rows  # every staged row goes in (psycopg reports no rowcount for INSERT ... SELECT)
        record(actor, "codes.imported", object_type="activation_codes", after={"count": report.written})
        writer.drop()
        db.session.commit()
    else:
        writer.drop()
        db.session.rollback()
    return report


class _LineParser:
    """One CSV row to (code, product_id, seats, valid_from, expires_at), or the reason it is bad."""

    def __init__(self, products_by_name: dict[str, int]):
        self.products = products_by_name
        self.times: dict[str, datetime | None] = {}  # files repeat a few dates a million times

    def __call__(self, row: list[str]) -> tuple | str:
        if len(row) != len(CODES_CSV_HEADER):
            return f"expected {len(CODES_CSV_HEADER)} columns ({','.join(CODES_CSV_HEADER)}), found {len(row)}."
        raw_code, product_name, raw_seats, raw_from, raw_expires = row
        code = normalise_code(raw_code)
        if code is None:
            return f"{raw_code.strip()!r} is not an activation code. {FORMAT_HELP}"
        product_id = self.products.get(product_name.strip().lower())
        if product_id is None:
            return f"unknown product {product_name.strip()!r} (create it under Products first)."
        try:
            seats = int(raw_seats)
        except ValueError:
            return f"seats {raw_seats.strip()!r} is not a whole number."
        if not 1 <= seats <= MAX_SEATS:
            return f"seats must be between 1 and {MAX_SEATS:,}, not {seats}."
        valid_from, expires_at = self._time(raw_from), self._time(raw_expires)
        if valid_from is None:
            return f"valid_from {raw_from.strip()!r} is not a date (use YYYY-MM-DD or ISO 8601 with a time)."
        if expires_at is None:
            return f"expires_at {raw_expires.strip()!r} is not a date (use YYYY-MM-DD or ISO 8601 with a time)."
        if expires_at <= valid_from:
            return "expires_at must be after valid_from."
        return code, product_id, seats, valid_from, expires_at

    def _time(self, raw: str) -> datetime | None:
        if raw not in self.times:
            self.times[raw] = parse_time(raw)
        return self.times[raw]


def parse_time(raw: str) -> datetime | None:
    """An ISO 8601 date or date-time; a time without a zone is taken as UTC."""
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _StagingWriter:
    """Good rows into the temporary staging table, in batches, on the session's own connection."""

    def __init__(self):
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        if self.postgres:
            # the duplicate checks sort and hash the whole file: give them memory for this transaction only
            self.connection.execute(text("SET LOCAL work_mem = '256MB'"))
        else:
            self.connection.execute(text("DROP TABLE IF EXISTS temp.code_import_staging"))
        staging.create(self.connection)
        self.buffer: list[tuple] = []
        self.rows = 0
        self._iso: dict[datetime, str] = {}

    def _timestamps(self, value: datetime) -> str:
        if value not in self._iso:
            self._iso[value] = value.isoformat()
        return self._iso[value]

    def add(self, row: tuple) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= STAGING_BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        if self.postgres:
            # COPY's text format, built here: every value is a number, a canonical code or an ISO time, none
            # of which needs escaping; one write per batch instead of one call per row.
            stamp = self._timestamps
            data = "".join(f"{line}\t{code}\t{product_id}\t{seats}\t{stamp(valid_from)}\t{stamp(expires_at)}\n"
                           for line, code, product_id, seats, valid_from, expires_at in self.buffer)
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy("COPY code_import_staging (line, code, product_id, seats, valid_from, expires_at) "
                             "FROM STDIN") as copy:
                copy.write(data)
            cursor.close()
        else:
            keys = [column.name for column in staging.columns]
            self.connection.execute(insert(staging), [dict(zip(keys, row, strict=True)) for row in self.buffer])
        self.rows += len(self.buffer)
        self.buffer.clear()

    def finish(self) -> None:
        self.flush()
        if self.postgres:
            self.connection.execute(text("ANALYZE code_import_staging"))  # so the duplicate joins plan well

    def drop(self) -> None:
        if not self.postgres:  # PostgreSQL drops it at the end of the transaction
            self.connection.execute(text("DROP TABLE IF EXISTS temp.code_import_staging"))


def _report_duplicates(report: BulkReport) -> None:
    first_line = func.min(staging.c.line).over(partition_by=staging.c.code).label("first_line")
    numbered = select(staging.c.line, staging.c.code, first_line).subquery()
    in_file = select(numbered.c.line, numbered.c.code, numbered.c.first_line).where(
        numbered.c.line != numbered.c.first_line)
    for line, code, first in db.session.execute(in_file):
        report.error(line, f"{code} is also on line {first} (duplicate in the file).")
    in_database = select(staging.c.line, staging.c.code).join(ActivationCode, ActivationCode.code == staging.c.code)
    for line, code in db.session.execute(in_database):
        report.error(line, f"{code} already exists (duplicate against the database).")

