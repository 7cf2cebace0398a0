"""CSV import of codes and blacklist entries, generation and export: all or nothing, every bad line reported
with its number, duplicates in the file and against the database, dry runs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, AuditEvent, BlacklistEntry
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.licensing.blacklist import blacklist_codes, lift_entry, lines_from_csv, lines_from_form
from backoffice.services.licensing.bulk import import_codes
from backoffice.services.licensing.export import export_codes_csv
from backoffice.services.licensing.gate import has_active_code, products_with_active_code
from backoffice.services.licensing.generate import generate_codes
from tests.licensing_helpers import count, make_code, make_product

ACTOR = Actor("staff", None, "admin@example.com")
HEADER = "code,product,seats,valid_from,expires_at\n"


def lines(text: str):
    return io.StringIO(text)


def test_a_good_file_imports_every_code_in_canonical_form(app):
    make_product("Internet Security")
    report = import_codes(lines(HEADER + "abcde 12345 fghij 67890,internet security,3,2026-01-01,2027-01-01\n"
                                "KLMNO-12345-PQRST-67890,Internet Security,1,2026-01-01T00:00:00+02:00,2030-06-30\n"),
                          ACTOR)
    assert report.ok and report.written == 2
    codes = {code.code: code for code in db.session.query(ActivationCode)}
    assert set(codes) == {"ABCDE-12345-FGHIJ-67890", "KLMNO-12345-PQRST-67890"}
    assert codes["ABCDE-12345-FGHIJ-67890"].seats == 3
    assert codes["KLMNO-12345-PQRST-67890"].valid_from.isoformat() == "2025-12-31T22:00:00+00:00"
    assert count(AuditEvent, AuditEvent.action == "codes.imported") == 1


def test_a_file_with_bad_lines_writes_nothing_and_lists_every_bad_line(app):
    make_product("Internet Security")
    existing = make_code(code="EXIST-12345-FGHIJ-67890")
    text = HEADER + "\n".join([
        "AAAAA-12345-FGHIJ-67890,Internet Security,1,2026-01-01,2027-01-01",  # 2 good
        "not-a-code,Internet Security,1,2026-01-01,2027-01-01",  # 3
        "BBBBB-12345-FGHIJ-67890,No Such Product,1,2026-01-01,2027-01-01",  # 4
        "CCCCC-12345-FGHIJ-67890,Internet Security,zero,2026-01-01,2027-01-01",  # 5
        "DDDDD-12345-FGHIJ-67890,Internet Security,0,2026-01-01,2027-01-01",  # 6
        "EEEEE-12345-FGHIJ-67890,Internet Security,1,yesterday,2027-01-01",  # 7
        "FFFFF-12345-FGHIJ-67890,Internet Security,1,2026-01-01,2025-01-01",  # 8
        "aaaaa12345fghij67890,Internet Security,1,2026-01-01,2027-01-01",  # 9 duplicate of line 2
        f"{existing.code.lower()},Internet Security,1,2026-01-01,2027-01-01",  # 10 already in the database
        "GGGGG-12345-FGHIJ-67890,Internet Security,1",  # 11 too few columns
    ]) + "\n"
    before = count(ActivationCode)
    report = import_codes(lines(text), ACTOR)
    assert not report.ok and report.written == 0
    assert [error.line for error in report.errors] == [3, 4, 5, 6, 7, 8, 9, 10, 11]
    reasons = {error.line: error.reason for error in report.errors}
    assert "is not an activation code" in reasons[3] and "unknown product" in reasons[4]
    assert "not a whole number" in reasons[5] and "between 1 and" in reasons[6]
    assert "valid_from 'yesterday' is not a date" in reasons[7] and "after valid_from" in reasons[8]
    assert reasons[9] == "AAAAA-12345-FGHIJ-67890 is also on line 2 (duplicate in the file)."
    assert reasons[10] == "EXIST-12345-FGHIJ-67890 already exists (duplicate against the database)."
    assert "expected 5 columns" in reasons[11]
    assert count(ActivationCode) == before  # nothing written, not even line 2


def test_a_dry_run_checks_everything_and_writes_nothing(app):
    make_product("Internet Security")
    report = import_codes(lines(HEADER + "AAAAA-12345-FGHIJ-67890,Internet Security,1,2026-01-01,2027-01-01\n"),
                          ACTOR, dry_run=True)
    assert report.ok and report.checked == 1 and report.written == 0
    assert count(ActivationCode) == 0
    assert "dry run" in report.summary()


def test_a_wrong_header_is_refused(app):
    with pytest.raises(ServiceError, match="header"):
        import_codes(lines("code;product\n"), ACTOR)


def test_blacklisting_many_codes_is_all_or_nothing_and_lifting_keeps_history(app):
    first, second, listed = make_code(), make_code(), make_code(blacklisted=True)
    bad = lines_from_form(f"{first.code}\n\n{first.code.lower()}\nnonsense\nZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ\n{listed.code}",
                          "fraud", None)
    report = blacklist_codes(bad, ACTOR)
    assert [(e.line, e.reason.split(" (")[0]) for e in report.errors] == [
        (3, f"{first.code} is also on line 1"), (4, "'nonsense' is not an activation code. An activation code has "
                                                    "20 letters and digits in 4 blocks of 5, separated by hyphens, "
                                                    "for example ABCDE-12345-FGHIJ-67890."),
        (5, "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ is not a known activation code."),
        (6, f"{listed.code} is already on the blacklist"),
    ]
    assert count(BlacklistEntry) == 1
    assert not blacklist_codes(lines_from_form(first.code, "other", None), ACTOR).ok  # "other" needs a note
    report = blacklist_codes(lines_from_form(f"{first.code}\n{second.code}", "chargeback", "bank says no"), ACTOR)
    assert report.ok and report.written == 2
    entry = db.session.query(BlacklistEntry).filter_by(code_id=first.id).one()
    with pytest.raises(ServiceError):
        lift_entry(entry.id, "  ", ACTOR)
    lift_entry(entry.id, "refund reversed", ACTOR)
    with pytest.raises(ServiceError, match="already lifted"):
        lift_entry(entry.id, "again", ACTOR)
    assert blacklist_codes(lines_from_form(first.code, "leaked", None), ACTOR).ok  # listed again, history kept
    assert count(BlacklistEntry, BlacklistEntry.code_id == first.id) == 2


def test_blacklist_csv_lines_are_numbered_from_the_header(app):
    code = make_code()
    parsed = list(lines_from_csv(io.StringIO(f"code,reason,note\n\n{code.code},leaked,on a forum\n")))
    assert [(p.line, p.reason, p.note) for p in parsed] == [(3, "leaked", "on a forum")]
    with pytest.raises(ServiceError):
        list(lines_from_csv(io.StringIO("code,why\n")))


def test_generated_codes_are_unique_canonical_and_saved(app):
    product = make_product()
    now = utcnow()
    codes = generate_codes(product.id, 500, 2, now, now + timedelta(days=365), ACTOR)
    assert len(set(codes)) == 500 and count(ActivationCode, ActivationCode.product_id == product.id) == 500
    assert all(len(code) == 23 and code.count("-") == 3 for code in codes)
    with pytest.raises(ServiceError):
        generate_codes(product.id, 0, 1, now, now + timedelta(days=1), ACTOR)
    app.config["CODE_GENERATE_MAX"] = 10
    with pytest.raises(ServiceError, match="between 1 and 10"):
        generate_codes(product.id, 11, 1, now, now + timedelta(days=1), ACTOR)


def test_export_streams_every_code_with_its_state(app, monkeypatch):
    from backoffice.services.licensing import export

    monkeypatch.setattr(export, "PAGE", 3)  # several pages from a few rows
    product = make_product()
    made = [make_code(product) for _ in range(5)] + [make_code(product, expires_in_days=-1),
                                                     make_code(product, blacklisted=True)]
    chunks = list(export_codes_csv(product_id=product.id))
    assert len(chunks) == 1 + 3  # the header, then pages of 3, 3 and 1
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert [row["code"] for row in rows] == [code.code for code in made]
    assert [row["state"] for row in rows[-2:]] == ["expired", "blacklisted"]
    only_expired = list(csv.DictReader(io.StringIO("".join(export_codes_csv(state="expired")))))
    assert [row["code"] for row in only_expired] == [made[5].code]


def test_the_support_gate_answers_for_valid_held_codes_only(app, make):
    from backoffice.services.licensing.codes import add_code

    customer = make.customer()
    held, other_product = make_code(seats=1), make_product("Not held")
    assert not has_active_code(customer.id, held.product_id)
    assert add_code(customer, held.code, Actor("customer", customer.id)).added
    assert has_active_code(customer.id, held.product_id)
    assert not has_active_code(customer.id, other_product.id)
    assert [p.name for p in products_with_active_code(customer.id)] == [held.product.name]
    assert blacklist_codes(lines_from_form(held.code, "fraud", None), ACTOR).ok
    assert not has_active_code(customer.id, held.product_id)
    assert products_with_active_code(customer.id) == []
