"""/api/v1/codes and /api/v1/blacklist: a code typed in any shape and its standing (licensing's one answer), and
the blacklist: add a code with a reason, lift an entry with a note."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for
from sqlalchemy import select

from backoffice.api.auth import actor, requires
from backoffice.api.blueprints import api_blueprint
from backoffice.api.etags import body_etag, check_if_match, json_response
from backoffice.api.problems import problem
from backoffice.api.schemas import dump_time
from backoffice.extensions import db
from backoffice.inputs.json_fields import Text
from backoffice.models import ActivationCode, BlacklistEntry, BlacklistReason, Job
from backoffice.services.labels import JOB_KIND_LABELS
from backoffice.services.licensing import blacklist, import_jobs
from backoffice.services.licensing.normalise import FORMAT_HELP, normalise_code
from backoffice.services.licensing.states import standing

blueprint = api_blueprint("codes", "Activation codes: look-up with state, and the blacklist")


class StandingOut(ma.Schema):
    code = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "valid, not_yet_valid, expired, blacklisted"})
    summary = ma.fields.String(required=True)
    valid_from = ma.fields.String(required=True)
    expires_at = ma.fields.String(required=True)
    expiring_soon = ma.fields.Boolean(required=True)
    blacklist_reason = ma.fields.String(allow_none=True)
    blacklist_entry_id = ma.fields.Integer(allow_none=True)
    seats_used = ma.fields.Integer(required=True)
    seats_total = ma.fields.Integer(required=True)
    transfers_used = ma.fields.Integer(required=True)
    transfer_cap = ma.fields.Integer(required=True)
    problems = ma.fields.List(ma.fields.String(), required=True)


class BlacklistIn(ma.Schema):
    code = Text(required=True, max_length=100, metadata={"description": "In any shape: case, spaces, hyphens"})
    reason = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in BlacklistReason]))
    note = Text(allow_none=True, multiline=True, max_length=2000)


class LiftIn(ma.Schema):
    note = Text(required=True, multiline=True, validate=ma.validate.Length(min=1, max=2000))


class EntryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(required=True)
    created_by = ma.fields.String(allow_none=True)
    lifted_at = ma.fields.String(allow_none=True)
    lifted_by = ma.fields.String(allow_none=True)
    lift_note = ma.fields.String(allow_none=True)


def standing_payload(code_id: int) -> dict:
    found = standing(code_id)
    entry_id = db.session.scalar(select(BlacklistEntry.id).where(BlacklistEntry.code_id == code_id,
                                                                 BlacklistEntry.lifted_at.is_(None)))
    return {"code": found.code, "state": found.state.value, "summary": found.summary,
            "valid_from": dump_time(found.valid_from), "expires_at": dump_time(found.expires_at),
            "expiring_soon": found.expiring_soon, "blacklist_reason": found.blacklist_reason,
            "blacklist_entry_id": entry_id, "seats_used": found.seats_used, "seats_total": found.seats_total,
            "transfers_used": found.transfers_used, "transfer_cap": found.transfer_cap,
            "problems": [p.value for p in found.problems]}


def entry_payload(entry: BlacklistEntry) -> dict:
    return {"id": entry.id, "code": entry.code.code, "reason": entry.reason, "note": entry.note,
            "created_at": dump_time(entry.created_at), "created_by": entry.created_by_label,
            "lifted_at": dump_time(entry.lifted_at), "lifted_by": entry.lifted_by_label,
            "lift_note": entry.lift_note}


def _code_id(raw: str) -> int | None:
    canonical = normalise_code(raw)
    if canonical is None:
        return None
    return db.session.scalar(select(ActivationCode.id).where(ActivationCode.code == canonical))


@blueprint.route("/codes/<string:code>", methods=["GET"])
@requires("codes", "read")
@blueprint.response(200, StandingOut, headers={"ETag": {"schema": {"type": "string"}}})
@blueprint.alt_response(304, description="Not modified (If-None-Match)")
@blueprint.alt_response(404, description="No such code")
def lookup(code: str):
    """A code typed in any shape (lower case, spaces, odd hyphens, full-width) and its standing now."""
    if normalise_code(code) is None:
        return problem(404, f"This is not an activation code. {FORMAT_HELP}",
                       [{"name": "code", "in": "path", "detail": FORMAT_HELP}])
    code_id = _code_id(code)
    if code_id is None:
        return problem(404, "There is no such activation code.")
    payload = standing_payload(code_id)
    return json_response(payload, body_etag(payload))


@blueprint.route("/blacklist", methods=["POST"])
@requires("codes", "write")
@blueprint.arguments(BlacklistIn)
@blueprint.response(201, StandingOut)
def add(values):
    """Blacklist one code with a reason ("other" needs a note): through the console's blacklist service."""
    report = blacklist.blacklist_codes([blacklist.BlacklistLine(1, values["code"], values["reason"],
                                                                (values.get("note") or "").strip() or None)],
                                       actor())
    if not report.ok:
        text = " ".join(error.reason for error in report.errors)
        return problem(422, text, [{"name": "code", "in": "body", "detail": text}])
    payload = standing_payload(_code_id(values["code"]))
    return json_response(payload, body_etag(payload), 201)


@blueprint.route("/blacklist/<int:entry_id>", methods=["GET"])
@requires("codes", "read")
@blueprint.response(200, EntryOut, headers={"ETag": {"schema": {"type": "string"}}})
@blueprint.alt_response(404, description="No such entry")
def get_entry(entry_id: int):
    entry = db.session.get(BlacklistEntry, entry_id)
    if entry is None:
        return problem(404, "There is no blacklist entry with this id.")
    payload = entry_payload(entry)
    return json_response(payload, body_etag(payload))


@blueprint.route("/blacklist/<int:entry_id>/lift", methods=["POST"])
@requires("codes", "write")
@blueprint.arguments(LiftIn)
@blueprint.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
@blueprint.response(200, EntryOut)
@blueprint.alt_response(404, description="No such entry")
@blueprint.alt_response(412, description="The entry changed since the If-Match version")
def lift(values, entry_id: int):
    """Lift an entry, saying why; the entry stays in the history."""
    entry = db.session.get(BlacklistEntry, entry_id)
    if entry is None:
        return problem(404, "There is no blacklist entry with this id.")
    stale = check_if_match(body_etag(entry_payload(entry)))
    if stale:
        return stale
    entry = blacklist.lift_entry(entry.id, values["note"], actor())  # ServiceError: already lifted (422)
    payload = entry_payload(entry)
    return json_response(payload, body_etag(payload))


class ImportIn(ma.Schema):
    csv = ma.fields.String(required=True, validate=ma.validate.Length(min=1),
                           metadata={"description": "code,product,seats,valid_from,expires_at lines, with that header"})
    dry_run = ma.fields.Boolean(load_default=False, metadata={"description": "Check every line, write nothing"})


class ImportOut(ma.Schema):
    job_id = ma.fields.Integer(required=True)
    state = ma.fields.String(required=True, metadata={"description": "queued, running, done or failed"})
    attempts = ma.fields.Integer(required=True)
    error = ma.fields.String(allow_none=True)
    report = ma.fields.Dict(allow_none=True, metadata={"description": "ok, summary, checked, written, errors"})


def import_payload(job: Job) -> dict:
    return {"job_id": job.id, "state": job.state, "attempts": job.attempts, "error": job.last_error,
            "report": import_jobs.report_of(job.id)}


@blueprint.route("/codes/imports", methods=["POST"])
@requires("codes", "write")
@blueprint.arguments(ImportIn)
@blueprint.response(202, ImportOut)
def start_import(values):
    """Import codes from CSV as a job (all or nothing, every bad line reported); poll the Location for the result."""
    data = values["csv"].encode("utf-8", "surrogateescape")
    job = import_jobs.queue_import(data, actor(), values["dry_run"])  # ServiceError (too large): 422
    return json_response(import_payload(job), status=202,
                         headers={"Location": url_for(".import_status", job_id=job.id)})


@blueprint.route("/codes/imports/<int:job_id>", methods=["GET"])
@requires("codes", "write")
@blueprint.response(200, ImportOut)
@blueprint.alt_response(404, description="No such import")
def import_status(job_id: int):
    """Where an import is: waiting, running, done (with its report) or failed (with why)."""
    job = db.session.get(Job, job_id)
    if job is None or job.kind != import_jobs.IMPORT:
        return problem(404, f"There is no {JOB_KIND_LABELS[import_jobs.IMPORT].lower()} job with this id.")
    return json_response(import_payload(job))
