"""A codes CSV imported by a job (the API's import): the file is stored in the blob store and a
`licensing.import_codes` job queued in one commit; the worker runs bulk.import_codes (all or nothing, every bad
line reported) and records the report as an audit event of the job, which the API reads back."""

from __future__ import annotations

import io

from flask import current_app
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.jobs.queue import enqueue
from backoffice.models import AuditEvent, Job
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import record
from backoffice.services.licensing.bulk import import_codes
from backoffice.storage import BlobTooLarge, open_blob, store_stream

IMPORT = "licensing.import_codes"
FINISHED = "codes.import_finished"
ERRORS_KEPT = 100


def queue_import(data: bytes, actor: Actor, dry_run: bool = False) -> Job:
    """Store the CSV and queue its import (committed); the job's id is what the caller asks about later."""
    try:
        blob = store_stream(io.BytesIO(data), max_bytes=current_app.config["CODE_IMPORT_MAX_BYTES"])
    except BlobTooLarge:
        raise ServiceError("The file is larger than the import limit.", "csv") from None
    job = enqueue(IMPORT, {"sha256": blob.sha256, "dry_run": bool(dry_run), "actor_id": actor.id,
                           "actor_label": actor.label, "actor_ip": actor.ip, "actor_role": actor.role})
    db.session.flush()
    record(actor, "codes.import_queued", job, after={"sha256": blob.sha256, "dry_run": bool(dry_run)})
    db.session.commit()
    return job


def report_of(job_id: int) -> dict | None:
    """What the finished import said (its audit event), or None while it has not run."""
    return db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == FINISHED,
                                                            AuditEvent.object_type == "jobs",
                                                            AuditEvent.object_id == str(job_id))
                             .order_by(AuditEvent.id.desc()).limit(1))


@job_kind(IMPORT, max_attempts_key="CODE_IMPORT_JOB_MAX_ATTEMPTS", retry_base_key="CODE_IMPORT_JOB_RETRY_BASE_SECONDS",
          lease_key="CODE_IMPORT_JOB_LEASE_SECONDS")
def run_import(claim: Claim, _context) -> None:
    payload = claim.payload
    actor = Actor("staff", payload.get("actor_id"), payload.get("actor_label"), payload.get("actor_ip"),
                  payload.get("actor_role"))
    with open_blob(payload["sha256"]) as handle:
        lines = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
        try:
            report = import_codes(lines, actor, dry_run=payload.get("dry_run", False))
        except ServiceError as refused:  # the header: nothing to retry
            db.session.rollback()
            _finish(claim, actor, {"ok": False, "summary": refused.message, "written": 0, "errors": ""})
            raise PermanentJobError(refused.message) from None
    outcome = {"ok": report.ok, "summary": report.summary(), "checked": report.checked, "written": report.written,
               "dry_run": report.dry_run, "errors": "\n".join(str(error) for error in report.errors[:ERRORS_KEPT])}
    _finish(claim, actor, outcome)
    if not report.ok:
        raise PermanentJobError(report.summary())


def _finish(claim: Claim, actor: Actor, outcome: dict) -> None:
    record(actor, FINISHED, object_type="jobs", object_id=claim.job_id, after=outcome)
    db.session.commit()  # the report stays even when the job is then marked failed
