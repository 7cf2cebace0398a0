"""`seed-demo` gives the Virus Lab harmless samples that the shipped YARA rules match, and the EICAR test string
exists only when assembled at run time: no file in the repository holds it in one piece."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Sample, Submission, YaraMatch
from backoffice.seeding.viruslab import eicar_bytes

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_files_virus_lab_requests_that_the_rules_match(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert result.output.count("viruslab request VL-") == 3
    matched = set(db.session.scalars(select(YaraMatch.rule_name)))
    assert {"EICAR_Test_File", "Zip_Archive", "Demo_Suspicious_Script"} <= matched
    eicar = db.session.scalar(select(Sample).where(Sample.size == len(eicar_bytes())))
    assert eicar.file_type == "EICAR virus test files"
    again = runner.invoke(args=["seed-demo"])
    assert "exist already" in again.output
    assert len(db.session.scalars(select(Submission)).all()) == 3


def test_no_tracked_file_holds_the_eicar_string_in_one_piece():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    needle = eicar_bytes()
    for name in filter(None, files.split(b"\0")):
        path = ROOT / name.decode()
        if path.is_file():
            assert needle not in path.read_bytes(), name
