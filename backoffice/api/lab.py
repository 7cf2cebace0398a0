"""/api/v1/lab: Virus Lab samples found by any hash, their metadata (never their bytes), and the verdict."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select

from backoffice.api.auth import actor, requires
from backoffice.api.blueprints import api_blueprint
from backoffice.api.etags import body_etag, check_if_match, json_response
from backoffice.api.problems import problem
from backoffice.api.schemas import dump_time
from backoffice.extensions import db
from backoffice.inputs.json_fields import Text
from backoffice.models import Sample, Verdict
from backoffice.services.viruslab import queries, submissions

blueprint = api_blueprint("lab", "Virus Lab: samples by hash, their metadata, verdicts")
SEARCH_LIMIT = 50


class SampleSearchArgs(ma.Schema):
    hash = Text(required=True, max_length=128, metadata={"description": "MD5, SHA-1, SHA-256 or SHA-512 in hex"})


class SampleOut(ma.Schema):
    sha256 = ma.fields.String(required=True)
    sha1 = ma.fields.String(required=True)
    md5 = ma.fields.String(required=True)
    sha512 = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    file_type = ma.fields.String(allow_none=True)
    mime_type = ma.fields.String(allow_none=True)
    archive_state = ma.fields.String(required=True)
    verdict = ma.fields.String(allow_none=True)
    detection_name = ma.fields.String(allow_none=True)
    first_seen_at = ma.fields.String(required=True)
    scanned_at = ma.fields.String(allow_none=True)
    yara_matches = ma.fields.List(ma.fields.String(), required=True)
    submissions = ma.fields.List(ma.fields.String(), required=True, metadata={"description": "Request numbers"})


class SampleList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SampleOut), required=True)


class VerdictIn(ma.Schema):
    verdict = ma.fields.String(required=True, validate=ma.validate.OneOf([v.value for v in Verdict]))
    detection_name = Text(allow_none=True, max_length=255, metadata={"description": "Needed for malicious and pua"})
    notes = Text(allow_none=True, multiline=True, max_length=10_000)


def sample_payload(sample: Sample) -> dict:
    overview = queries.sample_overview(sample, limit=50)
    return {"sha256": sample.sha256, "sha1": sample.sha1, "md5": sample.md5, "sha512": sample.sha512,
            "size": sample.size, "file_type": sample.file_type, "mime_type": sample.mime_type,
            "archive_state": sample.archive_state, "verdict": sample.verdict,
            "detection_name": sample.detection_name, "first_seen_at": dump_time(sample.first_seen_at),
            "scanned_at": dump_time(sample.scanned_at),
            "yara_matches": sorted({match.rule_name for match in overview.matches}),
            "submissions": [submission.number for submission in overview.submissions]}


def _sample(sha256: str) -> Sample | None:
    condition = queries.hash_condition(sha256)
    if condition is None or len(sha256.strip()) != 64:
        return None
    return db.session.scalar(select(Sample).where(condition))


@blueprint.route("/lab/samples", methods=["GET"])
@requires("lab", "read")
@blueprint.arguments(SampleSearchArgs, location="query", as_kwargs=True)
@blueprint.response(200, SampleList)
def search(hash: str):  # noqa: A002  the query argument's name
    """Samples with this hash (any of the four), with their metadata."""
    condition = queries.hash_condition(hash)
    if condition is None:
        detail = "Give an MD5, SHA-1, SHA-256 or SHA-512 in hex."
        return problem(422, detail, [{"name": "hash", "in": "query", "detail": detail}])
    rows = db.session.scalars(select(Sample).where(condition).order_by(Sample.id).limit(SEARCH_LIMIT))
    return json_response({"items": [sample_payload(sample) for sample in rows]})


@blueprint.route("/lab/samples/<string:sha256>", methods=["GET"])
@requires("lab", "read")
@blueprint.response(200, SampleOut, headers={"ETag": {"schema": {"type": "string"}}})
@blueprint.alt_response(304, description="Not modified (If-None-Match)")
@blueprint.alt_response(404, description="No such sample")
def get_sample(sha256: str):
    """One sample's metadata, verdict and YARA matches. Its bytes are never served here."""
    sample = _sample(sha256)
    if sample is None:
        return problem(404, "There is no sample with this SHA-256.")
    payload = sample_payload(sample)
    return json_response(payload, body_etag(payload))


@blueprint.route("/lab/samples/<string:sha256>/verdict", methods=["PUT"])
@requires("lab", "write")
@blueprint.arguments(VerdictIn)
@blueprint.doc(parameters=[{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"}}])
@blueprint.response(200, SampleOut, headers={"ETag": {"schema": {"type": "string"}}})
@blueprint.alt_response(404, description="No such sample")
@blueprint.alt_response(412, description="The sample changed since the If-Match version")
def set_verdict(values, sha256: str):
    """Set the sample's verdict: every waiting request holding it is answered, as in the console."""
    sample = _sample(sha256)
    if sample is None:
        return problem(404, "There is no sample with this SHA-256.")
    stale = check_if_match(body_etag(sample_payload(sample)))
    if stale:
        return stale
    sample = submissions.set_verdict(actor(), sample, values["verdict"], values.get("detection_name"),
                                     values.get("notes"))
    payload = sample_payload(sample)
    return json_response(payload, body_etag(payload))
