"""The check of a ticket file, run by `backoffice worker` as a job: the Virus Lab's pipeline on a support file.

Every path that stores a ticket file (wizard step, reply, FTP; mail when it comes) calls `queue_checks` in the
transaction that stores it. The job hashes what it lacks, types the file by its magic bytes (`intake.file_types`)
and matches it against the enabled YARA rule set (`scanning.scan_file`, within YARA_TIMEOUT_SECONDS), then
classes it (file_risk.classify). The same bytes checked under the same rules version are not scanned again: the
earlier result is copied, and only the name-dependent class is worked out anew.

A scan that times out or errors is recorded as failed (the file stays risky); retrying the same rules on the same
bytes would fail alike. A job that gives up (the blob is gone, the worker keeps dying) records why, too.
"""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.models import Attachment, ScanStatus
from backoffice.models.support import FileCheck
from backoffice.services.support.file_risk import classify
from backoffice.services.viruslab import intake, scanning, yara_rules
from backoffice.storage import blob_exists, blob_path

CHECK_FILE = "support.check_file"
CHUNK = 1024 * 1024


def queue_checks(attachments: list[Attachment]) -> None:
    """Queue the check of each newly stored file, in the caller's transaction (ids are given by a flush)."""
    if not attachments:
        return
    db.session.flush()
    for attachment in attachments:
        enqueue(CHECK_FILE, {"attachment_id": attachment.id})


def check_again(attachment: Attachment) -> None:
    """Queue a fresh check (staff's "Scan again", say after the rules changed); the file is risky until it ends."""
    attachment.check_state = FileCheck.PENDING
    attachment.check_note = None
    enqueue(CHECK_FILE, {"attachment_id": attachment.id, "force": True})


def _give_up(_job_id: int, payload: dict, error: str) -> None:
    attachment = db.session.get(Attachment, payload.get("attachment_id"))
    if attachment is not None and attachment.check_state == FileCheck.PENDING:
        attachment.check_state = FileCheck.FAILED
        attachment.check_note = error[:500]


@job_kind(CHECK_FILE, max_attempts_key="FILE_CHECK_MAX_ATTEMPTS", retry_base_key="FILE_CHECK_RETRY_BASE_SECONDS",
          lease_key="FILE_CHECK_LEASE_SECONDS", on_give_up=_give_up)
def check_file(claim: Claim, _context) -> None:
    attachment = db.session.get(Attachment, claim.payload.get("attachment_id"))
    if attachment is None:
        return  # removed from its draft before the check ran
    ruleset = yara_rules.active_ruleset()
    if attachment.check_state == FileCheck.SCANNED and attachment.rules_version == ruleset.version \
            and not claim.payload.get("force"):
        return
    if not blob_exists(attachment.sha256):
        raise PermanentJobError("The file is missing from the store.")
    _fill_hashes(attachment)
    earlier = None if claim.payload.get("force") else _checked_twin(attachment, ruleset.version)
    if earlier is not None:
        attachment.file_type, attachment.mime_type = earlier.file_type, earlier.mime_type
        _record(attachment, ScanStatus.OK, list(earlier.rules_matched or []), ruleset.version, "")
        return
    path = blob_path(attachment.sha256)
    attachment.file_type, attachment.mime_type = intake.file_types(path)
    outcome = scanning.scan_file(ruleset, path, filename=attachment.filename, filepath=attachment.filename,
                                 filetype=scanning.short_file_type(attachment.file_type),
                                 timeout=current_app.config["YARA_TIMEOUT_SECONDS"])
    _record(attachment, outcome.status, outcome.rule_names, outcome.version, outcome.note)


def _record(attachment: Attachment, status: str, rules: list[str], version: str, note: str) -> None:
    attachment.risk = classify(attachment.filename, attachment.file_type or "", attachment.mime_type or "", rules,
                               blob_path(attachment.sha256))
    if status == ScanStatus.OK:
        attachment.check_state = FileCheck.SCANNED
        attachment.check_note = None
        attachment.rules_matched = rules
        attachment.rules_version = version
        attachment.scanned_at = utcnow()
    else:  # a timeout or a YARA error: the type-based class stands, the file stays risky
        attachment.check_state = FileCheck.FAILED
        attachment.check_note = (note or "The scan did not finish.")[:500]


def _checked_twin(attachment: Attachment, version: str) -> Attachment | None:
    """Another file with the same bytes, scanned under the same rules: its scan stands for this one."""
    return db.session.scalar(select(Attachment).where(
        Attachment.sha256 == attachment.sha256, Attachment.id != attachment.id,
        Attachment.check_state == FileCheck.SCANNED, Attachment.rules_version == version).limit(1))


def _fill_hashes(attachment: Attachment) -> None:
    """MD5, SHA-1 and SHA-512 for a file stored before they were kept (new files get them as they are stored)."""
    if attachment.md5 and attachment.sha1 and attachment.sha512:
        return
    digests = {name: hashlib.new(name) for name in ("md5", "sha1", "sha512")}
    with open(blob_path(attachment.sha256), "rb") as stream:
        while chunk := stream.read(CHUNK):
            for digest in digests.values():
                digest.update(chunk)
    attachment.md5, attachment.sha1, attachment.sha512 = (digests[n].hexdigest() for n in ("md5", "sha1", "sha512"))
