"""No route of the app ever serves a sample's bytes unzipped: every URL in app.url_map is requested (its
parameters filled with the sample's and the request's ids) by an anonymous visitor, the submitting customer and
an analyst, and no response body holds the sample's bytes or a long slice of them."""

from __future__ import annotations

import io
import os
import re
from datetime import date

from backoffice.security import Actor
from backoffice.services.viruslab import submissions as service
from backoffice.storage import store_stream
from tests.factories import PASSWORD

SLICE = 64  # any 64-byte run of the sample counts as serving it


def _fill(rule, sample, submission) -> str:
    def value(match):
        converter, name = match.group(1) or "", match.group(2)
        if "int" in converter:
            return str(submission.id if "submission" in name else sample.id)
        if name == "export_type":
            return "csv"
        if name == "filename":
            return "site.css"
        return submission.number

    return re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", value, rule.rule)


def _methods(endpoint: str) -> set[str]:
    """GET everywhere; POST on the Virus Lab's own endpoints (a POST elsewhere could sign a visitor out or
    delete their account halfway through the walk)."""
    return {"GET", "POST"} if endpoint.split(".")[0] in {"viruslab", "samples", "yara"} else {"GET"}


def _leaks(body: bytes, data: bytes) -> bool:
    return any(data[i:i + SLICE] in body for i in range(0, len(data) - SLICE, SLICE))


def test_no_route_serves_sample_bytes_unzipped(app, make, console, client, sign_in_customer):
    customer = make.customer()
    data = b"SAMPLE-MARKER" + os.urandom(8192)  # random, so zip deflate cannot shrink it into hiding
    blob = store_stream(io.BytesIO(data), len(data))
    form = service.RequestForm("unknown_malware", "a sample", "Kaspersky Anti-Virus", date(2026, 1, 1), None,
                               "sample.bin")
    submission = service.create_submission(Actor.system(), customer, form, blob)
    sample = submission.sample

    analyst = make.staff("analyst")
    analyst_client = app.test_client()
    analyst_client.post("/console/login", data={"email": analyst.email, "password": PASSWORD})
    visitors = {"anonymous": app.test_client(), "customer": sign_in_customer(app.test_client(), customer),
                "analyst": analyst_client}

    requested, zips_served = 0, 0
    for rule in app.url_map.iter_rules():
        url = _fill(rule, sample, submission)
        for query in (f"?id={sample.id}", f"?id={submission.id}"):
            for who, visitor in visitors.items():
                for method in sorted(rule.methods & _methods(rule.endpoint)):
                    response = visitor.open(url + query, method=method)
                    requested += 1
                    body = response.get_data()
                    assert not _leaks(body, data), f"{method} {url}{query} as {who} served the sample's bytes"
                    if response.mimetype == "application/zip":
                        assert who == "analyst" and method == "POST" and url.endswith("/download"), url
                        zips_served += 1
    assert requested > 100 and zips_served == 2  # the download was reached (once per query string) and zipped
