"""`backoffice import-codes` and `import-blacklist`: all or nothing, every bad line printed, dry run, exit codes."""

from __future__ import annotations

from backoffice.models import ActivationCode, BlacklistEntry
from tests.licensing_helpers import count, make_product

HEADER = "code,product,seats,valid_from,expires_at\n"


def test_import_codes_reports_every_bad_line_and_writes_nothing(app, runner, tmp_path):
    make_product("Internet Security")
    path = tmp_path / "codes.csv"
    path.write_text(HEADER + "AAAAA-11111-BBBBB-22222,Internet Security,1,2026-01-01,2027-01-01\n"
                    "short,Internet Security,1,2026-01-01,2027-01-01\n"
                    "aaaaa11111bbbbb22222,Internet Security,1,2026-01-01,2027-01-01\n"
                    "CCCCC-11111-BBBBB-22222,Nope,1,2026-01-01,2027-01-01\n")
    result = runner.invoke(args=["import-codes", str(path)])
    assert result.exit_code == 1
    assert "line 3: 'short' is not an activation code" in result.output
    assert "line 4: AAAAA-11111-BBBBB-22222 is also on line 2 (duplicate in the file)." in result.output
    assert "line 5: unknown product 'Nope'" in result.output
    assert "3 of 4 lines are bad; nothing was written" in result.output
    assert count(ActivationCode) == 0


def test_import_codes_dry_run_then_for_real_then_duplicates_against_the_database(app, runner, tmp_path):
    make_product("Internet Security")
    path = tmp_path / "codes.csv"
    path.write_text(HEADER + "".join(f"AAAAA-11111-BBBBB-{n:05d},Internet Security,2,2026-01-01,2027-01-01\n"
                                     for n in range(250)))
    dry = runner.invoke(args=["import-codes", "--dry-run", str(path)])
    assert dry.exit_code == 0 and "All 250 lines are good (dry run" in dry.output and count(ActivationCode) == 0
    real = runner.invoke(args=["import-codes", str(path)])
    assert real.exit_code == 0 and "Wrote 250 rows from 250 lines." in real.output
    assert count(ActivationCode) == 250
    again = runner.invoke(args=["import-codes", str(path)])
    assert again.exit_code == 1 and "line 2: AAAAA-11111-BBBBB-00000 already exists" in again.output
    assert count(ActivationCode) == 250


def test_import_blacklist(app, runner, tmp_path):
    make_product("Internet Security")
    codes = tmp_path / "codes.csv"
    codes.write_text(HEADER + "AAAAA-11111-BBBBB-22222,Internet Security,1,2026-01-01,2027-01-01\n")
    assert runner.invoke(args=["import-codes", str(codes)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,reason,note\naaaaa11111bbbbb22222,leaked,\nAAAAA-11111-BBBBB-22222,fraud,\n"
                   "ZZZZZ-11111-BBBBB-22222,stolen,\n")
    result = runner.invoke(args=["import-blacklist", str(bad)])
    assert result.exit_code == 1 and "line 3: AAAAA-11111-BBBBB-22222 is also on line 2" in result.output
    assert "line 4: Unknown reason 'stolen'" in result.output
    assert count(BlacklistEntry) == 0
    good = tmp_path / "good.csv"
    good.write_text("code,reason,note\naaaaa11111bbbbb22222,leaked,on a forum\n")
    assert runner.invoke(args=["import-blacklist", str(good)]).exit_code == 0
    assert count(BlacklistEntry) == 1
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("code;reason\n")
    result = runner.invoke(args=["import-blacklist", str(wrong)])
    assert result.exit_code == 1 and "header" in result.output


def test_demo_codes_cover_every_state_and_seeding_twice_changes_nothing(app, make):
    from backoffice.clock import utcnow
    from backoffice.models import CodeRegistration
    from backoffice.seeding.licensing import seed_licensing
    from backoffice.services.licensing.states import is_blacklisted, state_of

    for email in ("jean@example.com", "erika@example.com", "customer@example.com"):
        make.customer(email=email)
    assert len(list(seed_licensing())) == 8
    assert len(list(seed_licensing())) == 8
    codes = list(app.extensions["sqlalchemy"].session.query(ActivationCode))
    assert len(codes) == 8 and count(CodeRegistration) == 4 and count(BlacklistEntry) == 2
    states = {state_of(code, is_blacklisted(code.id), utcnow()).value for code in codes}
    assert states == {"valid", "not_yet_valid", "expired", "blacklisted"}
    assert any(code.seats_taken == code.seats for code in codes if code.code.startswith("DEMOF-ULL"))
