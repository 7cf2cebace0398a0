"""Filing Virus Lab requests and running their analysis jobs in this process, for tests of what analysis records.

(The worker as a real process, killed and raced, has its own tests in tests/jobs/.)"""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.jobs.worker import run_due
from backoffice.models import ArchiveMember, Sample, Submission, SubmissionFile, YaraMatch
from backoffice.security import Actor
from backoffice.services.viruslab.analysis import ANALYSE, RESCAN
from backoffice.services.viruslab.submissions import RequestForm, create_submission
from backoffice.storage import store_stream
from tests.factories import Factories

SYSTEM = Actor.system("test")
# a rule that reads every byte thrice: at least 0.15 s per MB on this machine, so 16 MB outlast a 1 s timeout
SLOW_LOOP_RULE = ("rule Slow_Loop { condition: for all i in (0..filesize-1) : "
                  "(uint32(i) != 0xFFFFFFFF and uint16(i) != 0xFFFF and uint8(i) != 0xFF) }")


def stored(data: bytes):
    return store_stream(io.BytesIO(data), max_bytes=len(data) + 1)


def request(file_name: str | None = "file.bin", request_type: str = "unknown_malware") -> RequestForm:
    return RequestForm(request_type, "Found on my disk", "Kaspersky Internet Security", date(2026, 1, 2),
                       "Trojan.Win32.Generic" if request_type == "false_alarm" else None, file_name)


def run_analysis_jobs() -> int:
    """Run analysis and rescan jobs until none is due; returns how many ran."""
    ran = 0
    while report := run_due(kind_names=[ANALYSE, RESCAN]):
        if not report.attempted:
            return ran
        ran += report.attempted


def submit(data: bytes, name: str = "file.bin", customer=None, **form) -> Submission:
    customer = customer or Factories().customer()
    return create_submission(SYSTEM, customer, request(name, **form), stored(data))


def analysed(data: bytes, name: str = "file.bin", customer=None, **form) -> Submission:
    """File a request for `data` and run its analysis; the request as the database has it afterwards."""
    submission_id = submit(data, name, customer, **form).id
    run_analysis_jobs()
    db.session.expire_all()
    return db.session.get(Submission, submission_id)


def files_of(submission: Submission) -> dict[str, SubmissionFile]:
    return {f.name: f for f in submission.files}


def members_of(sample: Sample) -> dict[str, Sample]:
    links = db.session.scalars(select(ArchiveMember).where(ArchiveMember.archive_id == sample.id))
    return {link.member_name: link.member for link in links}


def rules_matched(sample: Sample) -> set[str]:
    return set(db.session.scalars(select(YaraMatch.rule_name).where(YaraMatch.sample_id == sample.id)))
