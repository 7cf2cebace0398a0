"""YARA at scale, through the real yara library, real files and the real blob store: rule sources up to 5 MB, the
external variables, compiler warnings shown on save, one compile per version of the enabled set (also across
processes, through the saved file), bounded scans whose outcome names the slow rule set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ArchiveMember, Sample, YaraMatch, YaraRule
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.viruslab import analyst_rules, yara_rules
from backoffice.services.viruslab.scanning import ScanStatus, scan_file
from tests.console.test_viruslab_console import signed_in
from tests.viruslab_analysis import analysed, run_analysis_jobs
from tests.viruslab_files import plain_zip
from tests.yara_corpus import SLOW_RULE, rules_of_size

MB = 1024 * 1024
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def analyst(make) -> Actor:
    staff = make.staff("analyst")
    return Actor("staff", staff.id, staff.email)


def unique_rule(marker: str | None = None) -> tuple[str, str]:
    """A rule no other test compiled (so its rule set is a new version), and the text it matches."""
    marker = marker or f"MARKER-{uuid.uuid4().hex}"
    name = f"Marker_{uuid.uuid4().hex[:12]}"
    return f'rule {name} {{ strings: $m = "{marker}" condition: $m }}', marker


def write_file(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def scan_rules(path: Path, **externals) -> list[str]:
    outcome = scan_file(yara_rules.active_ruleset(), path, timeout=30, **externals)
    assert outcome.status == ScanStatus.OK, outcome.note
    return outcome.rule_names


def test_a_3_mb_rule_source_is_saved_and_one_byte_over_5_mb_refused(app, analyst, tmp_path):
    marker_rule, marker = unique_rule()
    big = rules_of_size(3 * MB, prefix="Big") + "\n" + marker_rule
    assert len(big.encode()) >= 3 * MB
    saved = analyst_rules.create_rule(analyst, "Three megabytes", big)
    assert db.session.get(YaraRule, saved.rule.id).source == big
    ruleset = yara_rules.active_ruleset()
    assert sum(1 for _ in ruleset.rules) > 6000  # every generated rule is in the compiled set
    assert scan_rules(write_file(tmp_path, "s.bin", marker.encode())) == [marker_rule.split()[1]]

    limit = app.config["YARA_RULE_MAX_BYTES"]
    assert limit == 5 * MB
    rule = "rule At_Limit { condition: true }"
    at_limit = "/*" + "x" * (limit - len(rule) - 4) + "*/" + rule
    assert len(at_limit.encode()) == limit
    assert analyst_rules.create_rule(analyst, "At the limit", at_limit).rule.id
    with pytest.raises(ServiceError) as refused:
        analyst_rules.create_rule(analyst, "Over the limit", at_limit + " ")
    assert refused.value.field == "source" and "at most 5 MB" in refused.value.message
    assert db.session.scalar(select(YaraRule).where(YaraRule.name == "Over the limit")) is None


def test_the_limit_is_read_from_the_environment():
    env = {**os.environ, "BACKOFFICE_YARA_RULE_MAX_BYTES": "12345"}
    snippet = "import config; print(config.load_config()['YARA_RULE_MAX_BYTES'])"
    result = subprocess.run([sys.executable, "-c", snippet], env=env, cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "12345"


def test_a_nul_in_a_source_is_refused_with_a_clear_message(analyst, make, console, client):
    with pytest.raises(ServiceError) as refused:
        analyst_rules.create_rule(analyst, "With NUL", 'rule Nul { strings: $a = "a\0b" condition: $a }')
    assert "NUL" in refused.value.message
    signed_in(make, console, "analyst")
    response = client.post("/console/yara/new/", data={"name": "With NUL", "enabled": "y",
                                                       "source": "rule Nul { condition: true }\0"})
    assert response.status_code == 200 and b"contains a NUL character" in response.data
    assert db.session.scalar(select(YaraRule)) is None


def test_rules_on_filename_and_extension_match_only_the_file_of_that_name(app, make):
    source = 'rule Invoice_Exe { condition: filename == "invoice.exe" and extension == ".exe" }\n' \
             'rule In_Bundle { condition: filepath == "bundle.zip/docs/invoice.exe" }'
    analyst_rules.create_rule(Actor.system("test"), "By name", source)
    customer = make.customer()

    def submit(name: str, data: bytes) -> Sample:
        return analysed(data, name, customer).sample

    def matched(sample: Sample) -> set[str]:
        return set(db.session.scalars(select(YaraMatch.rule_name).where(YaraMatch.sample_id == sample.id)))

    assert matched(submit("invoice.exe", os.urandom(500))) == {"Invoice_Exe"}
    assert matched(submit("invoice.txt", os.urandom(500))) == set()
    assert matched(submit("Invoice.EXE", os.urandom(500))) == set()  # filename is compared as given
    bundle = submit("bundle.zip", plain_zip({"docs/invoice.exe": os.urandom(300), "docs/other.exe": os.urandom(300)}))
    members = {link.member_name: link.member for link in
               db.session.scalars(select(ArchiveMember).where(ArchiveMember.archive_id == bundle.id))}
    assert matched(bundle) == {"Zip_Archive"}
    assert matched(members["docs/invoice.exe"]) == {"Invoice_Exe", "In_Bundle"}
    assert matched(members["docs/other.exe"]) == set()


def test_warnings_of_a_slow_rule_are_returned_and_shown_after_saving(make, console, client):
    warnings = yara_rules.validate_source(SLOW_RULE)
    assert warnings and "slow down scanning" in warnings[0]
    assert yara_rules.validate_source('rule Quick { strings: $a = "quick brown fox" condition: $a }') == []

    signed_in(make, console, "analyst")
    response = client.post("/console/yara/new/", data={"name": "Slow everywhere", "source": SLOW_RULE,
                                                       "enabled": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert b"Rule Slow everywhere saved, with warnings:" in response.data
    assert b"may slow down scanning" in response.data
    rule = db.session.scalar(select(YaraRule).where(YaraRule.name == "Slow everywhere"))
    assert rule is not None and rule.enabled

    edited = client.post(f"/console/yara/edit/?id={rule.id}", data={"name": "Slow everywhere", "enabled": "y",
                                                                    "source": SLOW_RULE + "\n"}, follow_redirects=True)
    assert b"Rule Slow everywhere saved, with warnings:" in edited.data


def test_a_second_scan_does_not_compile_and_a_new_process_loads_the_saved_file(app, app_config, tmp_path):
    source, marker = unique_rule()
    analyst_rules.create_rule(Actor.system("test"), "Marker", source)
    sample = write_file(tmp_path, "sample.bin", b"head " + marker.encode() + b" tail")

    before = yara_rules.compile_count()
    first = yara_rules.active_ruleset()
    assert yara_rules.compile_count() == before + 1
    rule_name = source.split()[1]
    assert scan_rules(sample) == [rule_name]
    assert scan_rules(sample) == [rule_name]
    assert yara_rules.active_ruleset() is first
    assert yara_rules.compile_count() == before + 1
    saved = Path(app_config["STORAGE_DIR"]) / "yara" / f"{first.version}.yarc"
    assert saved.is_file()

    fresh = run_fresh_process(app_config, sample)
    assert fresh == {"compiles": 0, "version": first.version, "rules": [rule_name]}
    saved.unlink()  # without the file, a new process has to compile: the counter counts for real
    assert run_fresh_process(app_config, sample)["compiles"] == 1
    assert saved.is_file()


FRESH_PROCESS = """
import json, sys
from backoffice import create_app
from backoffice.services.viruslab import scanning, yara_rules
app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    ruleset = yara_rules.active_ruleset()
    outcome = scanning.scan_file(ruleset, sys.argv[2], filename="sample.bin", timeout=30)
    print(json.dumps({"compiles": yara_rules.compile_count(), "version": ruleset.version,
                      "rules": outcome.rule_names}))
"""


def run_fresh_process(app_config: dict, sample: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", FRESH_PROCESS, json.dumps(app_config), str(sample)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_changing_or_disabling_a_rule_changes_the_version_and_compiles_once(app, analyst, tmp_path):
    first_source, first_marker = unique_rule()
    second_source, second_marker = unique_rule()
    first = analyst_rules.create_rule(analyst, "First", first_source).rule
    second = analyst_rules.create_rule(analyst, "Second", second_source).rule
    both = yara_rules.active_ruleset()
    count = yara_rules.compile_count()

    changed_source, changed_marker = unique_rule()
    analyst_rules.update_rule(analyst, first, "First", changed_source, True)
    changed = yara_rules.active_ruleset()
    assert changed.version != both.version and yara_rules.compile_count() == count + 1
    assert yara_rules.active_ruleset() is changed and yara_rules.compile_count() == count + 1
    sample = write_file(tmp_path, "s.bin", f"{first_marker} {changed_marker} {second_marker}".encode())
    assert scan_rules(sample) == sorted([changed_source.split()[1], second_source.split()[1]])

    analyst_rules.update_rule(analyst, second, "Second", second_source, False)
    disabled = yara_rules.active_ruleset()
    assert disabled.version not in (both.version, changed.version)
    assert yara_rules.compile_count() == count + 2
    assert scan_rules(sample) == [changed_source.split()[1]]

    analyst_rules.update_rule(analyst, second, "Second", second_source, True)  # back to a version compiled before
    assert yara_rules.active_ruleset().version == changed.version
    assert yara_rules.compile_count() == count + 2


def test_the_version_check_reads_no_source_when_nothing_changed(app, app_config, tmp_path, monkeypatch):
    rules_dir = tmp_path / "rules"
    shutil.copytree(app.config["YARA_RULES_DIR"], rules_dir)
    app.config["YARA_RULES_DIR"] = str(rules_dir)
    source, marker = unique_rule()
    (rules_dir / "extra.yar").write_text(source)
    reads = []
    read_sources = yara_rules._read_sources
    monkeypatch.setattr(yara_rules, "_read_sources", lambda: reads.append(1) or read_sources())

    first = yara_rules.active_ruleset()
    assert yara_rules.active_ruleset() is first and len(reads) == 1
    count = yara_rules.compile_count()

    os.utime(rules_dir / "extra.yar", ns=(1, 1))  # touched, same content: read again, same version, no compile
    assert yara_rules.active_ruleset().version == first.version and len(reads) == 2
    assert yara_rules.compile_count() == count

    new_source, new_marker = unique_rule()
    (rules_dir / "extra.yar").write_text(new_source)
    assert yara_rules.active_ruleset().version != first.version and yara_rules.compile_count() == count + 1
    sample = write_file(tmp_path, "s.bin", f"{marker} {new_marker}".encode())
    assert scan_rules(sample) == [new_source.split()[1]]


def test_a_timed_out_scan_names_the_slow_rule_set_and_does_not_raise(app, tmp_path):
    slow = analyst_rules.create_rule(Actor.system("test"), "Slow", SLOW_RULE).rule
    big = write_file(tmp_path, "big.bin", os.urandom(8 * MB))
    outcome = scan_file(yara_rules.active_ruleset(), big, filename="big.bin", timeout=1)
    assert outcome.status == ScanStatus.TIMED_OUT and outcome.matches == ()
    assert f"db:{slow.id}" in outcome.note and "timed out after 1 s" in outcome.note
    assert "slow down scanning" in outcome.note  # the namespace's own compiler warning says which string
    assert 1 <= outcome.seconds < 10


def test_a_file_yara_cannot_read_is_an_error_outcome(app, tmp_path):
    outcome = scan_file(yara_rules.active_ruleset(), tmp_path / "missing.bin", filename="missing.bin", timeout=5)
    assert outcome.status == ScanStatus.ERROR and "could not scan" in outcome.note


def test_a_string_with_too_many_matches_is_named_in_the_note(app, tmp_path):
    crowded = analyst_rules.create_rule(Actor.system("test"), "Crowded",
                                        'rule Crowded { strings: $a = "AAAA" condition: $a }').rule
    outcome = scan_file(yara_rules.active_ruleset(), write_file(tmp_path, "a.bin", b"A" * (2 * MB)),
                        filename="a.bin", timeout=30)
    assert outcome.status == ScanStatus.OK and outcome.rule_names == ["Crowded"]
    assert f"string $a of rule Crowded in rule set db:{crowded.id} had too many matches" in outcome.note


def test_a_rescan_that_times_out_keeps_the_earlier_matches_and_says_why(app, make, console, client):
    marker_rule, marker = unique_rule()
    analyst_rules.create_rule(Actor.system("test"), "Marker", marker_rule)
    data = os.urandom(4 * MB) + marker.encode()
    sample = analysed(data, "big.bin").sample
    rule_name = marker_rule.split()[1]
    assert set(db.session.scalars(select(YaraMatch.rule_name).where(YaraMatch.sample_id == sample.id))) == {rule_name}

    slow = analyst_rules.create_rule(Actor.system("test"), "Slow", SLOW_RULE).rule
    app.config["YARA_TIMEOUT_SECONDS"] = 1
    signed_in(make, console, "analyst")
    client.post(f"/console/samples/{sample.id}/rescan")
    assert run_analysis_jobs() == 1
    page = client.get(f"/console/samples/{sample.id}/")
    assert b"Timed out" in page.data and b"The scan timed out after 1 s." in page.data
    assert f"Rule set db:{slow.id} alone timed out".encode() in page.data
    assert set(db.session.scalars(select(YaraMatch.rule_name).where(YaraMatch.sample_id == sample.id))) == {rule_name}


def test_only_the_newest_saved_rule_sets_are_kept(app, app_config):
    rule = analyst_rules.create_rule(Actor.system("test"), "Changing", unique_rule()[0]).rule
    versions = []
    for _ in range(yara_rules.KEPT_SAVED_FILES + 3):
        analyst_rules.update_rule(Actor.system("test"), rule, "Changing", unique_rule()[0], True)
        versions.append(yara_rules.active_ruleset().version)
    saved = {path.stem for path in (Path(app_config["STORAGE_DIR"]) / "yara").glob("*.yarc")}
    assert len(saved) == yara_rules.KEPT_SAVED_FILES and versions[-1] in saved and saved <= set(versions)
