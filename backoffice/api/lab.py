"""/api/v1/lab: Virus Lab samples found by any hash, their metadata (never their bytes), and the verdict."""

from __future__ import annotations

import base64
import binascii
import io

import marshmallow as ma
from flask import current_app, url_for
from sqlalchemy import select

from backoffice.api.auth import actor, requires
from backoffice.api.blueprints import api_blueprint
from backoffice.api.etags import body_etag, check_if_match, json_response
from backoffice.api.problems import problem
from backoffice.api.schemas import dump_time
from backoffice.extensions import db
from backoffice.inputs.json_fields import Id, Text
from backoffice.models import Customer, CustomerStatus, RequestType, Sample, Verdict
from backoffice.services.viruslab import queries, submissions
from backoffice.storage import BlobTooLarge, store_stream

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


class SubmissionIn(ma.Schema):
    customer_id = Id(required=True, metadata={"description": "Whose request it is: the answer is mailed to them"})
    request_type = ma.fields.String(required=True, validate=ma.validate.OneOf([t.value for t in RequestType]))
    description = Text(required=True, multiline=True, validate=ma.validate.Length(min=1, max=20_000))
    product = Text(required=True, validate=ma.validate.Length(min=1, max=160))
    last_update_date = ma.fields.Date(required=True, metadata={"description": "The last database update"})
    detection_seen = Text(allow_none=True, max_length=255)
    file_name = Text(allow_none=True, max_length=255)
    file_base64 = ma.fields.String(allow_none=True, metadata={"description": "The file, base64-encoded"})


class SubmissionOut(ma.Schema):
    number = ma.fields.String(required=True)
    state = ma.fields.String(required=True)
    sample = ma.fields.String(allow_none=True, metadata={"description": "The file's SHA-256"})


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
    payload = {"items": [sample_payload(sample) for sample in rows]}
    return json_response(payload, body_etag(payload))


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


@blueprint.route("/lab/submissions", methods=["POST"])
@requires("lab", "write")
@blueprint.arguments(SubmissionIn)
@blueprint.response(202, SubmissionOut)
@blueprint.alt_response(413, description="The file is larger than SAMPLE_MAX_BYTES")
def submit(values):
    """File a Virus Lab request for a customer; the file is stored at once and analysed by a job (202)."""
    customer = db.session.get(Customer, values["customer_id"])
    if customer is None or customer.status != CustomerStatus.ACTIVE:
        return problem(422, "There is no active customer with this id.",
                       [{"name": "customer_id", "in": "body", "detail": "No active customer has this id."}])
    blob = None
    if values.get("file_base64"):
        limit = current_app.config["SAMPLE_MAX_BYTES"]
        if len(values["file_base64"]) > (limit + 2) // 3 * 4 + 4:
            return problem(413, f"The file is larger than the limit of {limit:,} bytes.")
        try:
            data = base64.b64decode(values["file_base64"], validate=True)
        except (binascii.Error, ValueError):
            return problem(422, "The file is not valid base64.", [{"name": "file_base64", "in": "body",
                                                                   "detail": "Not valid base64."}])
        try:
            blob = store_stream(io.BytesIO(data), max_bytes=limit)
        except BlobTooLarge:
            return problem(413, f"The file is larger than the limit of {limit:,} bytes.")
    form = submissions.RequestForm(values["request_type"], values["description"], values["product"],
                                   values["last_update_date"], values.get("detection_seen"),
                                   values.get("file_name") or ("sample.bin" if blob else None))
    submission = submissions.create_submission(actor(), customer, form, blob)  # ServiceError: 422
    location = {"Location": url_for("api_lab.get_sample", sha256=blob.sha256)} if blob else None
    return json_response({"number": submission.number, "state": submission.state,
                          "sample": blob.sha256 if blob else None}, status=202, headers=location)
