"""The analysts' console: roles per view, search by every hash, filters, verdicts with history, replies that mail
the submitter, claims, YARA rules compiled on save, re-scan, and downloads only as an `infected` AES zip."""

from __future__ import annotations

import io
import os
import re
from datetime import date

import pytest
import pyzipper
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import AuditEvent, VerdictChange, YaraMatch, YaraRule
from backoffice.security import Actor
from backoffice.services.viruslab import conversation
from backoffice.services.viruslab import submissions as service
from backoffice.storage import store_stream
from tests.factories import PASSWORD
from tests.viruslab_analysis import run_analysis_jobs
from tests.viruslab_files import eicar_bytes, plain_zip


@pytest.fixture
def filed(make):
    """A customer's analysed request with a zip holding the EICAR file and a random payload."""
    customer = make.customer(email="sender@example.com")
    payload = os.urandom(4096)
    data = plain_zip({"eicar.com": eicar_bytes(), "payload.bin": payload})
    blob = store_stream(io.BytesIO(data), len(data))
    form = service.RequestForm("unknown_malware", "Suspicious zip", "Kaspersky Anti-Virus", date(2026, 1, 1), None,
                               "suspicious.zip")
    submission = service.create_submission(Actor.system(), customer, form, blob)
    run_analysis_jobs()
    db.session.refresh(submission)
    return submission


def signed_in(make, console, role):
    staff = make.staff(role)
    assert console.login(staff.email, PASSWORD).status_code == 302
    return staff


def view_urls(submission) -> dict[str, set[str]]:
    return {
        "/console/viruslab/": {"admin", "support", "analyst"},
        f"/console/viruslab/details/?id={submission.id}": {"admin", "support", "analyst"},
        "/console/samples/": {"admin", "support", "analyst"},
        f"/console/samples/{submission.sample_id}/": {"admin", "support", "analyst"},
        "/console/yara/": {"admin", "analyst"},
        "/console/yara/new/": {"admin", "analyst"},
    }


@pytest.mark.parametrize("role", ["admin", "support", "analyst"])
def test_each_role_reads_only_its_virus_lab_views(make, console, client, filed, role):
    signed_in(make, console, role)
    for url, roles in view_urls(filed).items():
        assert client.get(url).status_code == (200 if role in roles else 403), url


def test_anonymous_and_customers_never_open_the_virus_lab_console(app, make, client, sign_in_customer, filed):
    customer_client = sign_in_customer(app.test_client(), filed.customer)
    for url in view_urls(filed):
        for who in (client, customer_client):
            response = who.get(url)
            assert response.status_code == 302 and "/console/login" in response.location


POST_ACTIONS = ["/console/samples/{sample}/download", "/console/samples/{sample}/verdict",
                "/console/samples/{sample}/rescan", "/console/viruslab/claim/{sub}", "/console/viruslab/reply/{sub}",
                "/console/viruslab/close/{sub}"]


def test_support_reads_but_cannot_download_or_act(make, console, client, filed):
    signed_in(make, console, "support")
    page = client.get(f"/console/samples/{filed.sample_id}/")
    assert b"Download as zip" not in page.data
    for action in POST_ACTIONS:
        url = action.format(sample=filed.sample_id, sub=filed.id)
        assert client.post(url, data={"verdict": "clean", "reply": "x"}).status_code == 403, url
    db.session.refresh(filed)
    assert (filed.state, filed.sample.verdict) == ("waiting", None)


@pytest.mark.parametrize("hash_name", ["md5", "sha1", "sha256", "sha512"])
def test_search_by_any_hash_finds_the_sample_and_its_requests(make, console, client, filed, hash_name):
    signed_in(make, console, "analyst")
    value = getattr(filed.sample, hash_name)
    samples = client.get("/console/samples/", query_string={"search": value.upper()})
    assert filed.sample.sha256.encode() in samples.data
    requests = client.get("/console/viruslab/", query_string={"search": value})
    assert filed.number.encode() in requests.data
    other = client.get("/console/samples/", query_string={"search": "0" * len(value)})
    assert filed.sample.sha256.encode() not in other.data


def test_search_by_file_name_and_request_number(make, console, client, filed):
    signed_in(make, console, "analyst")
    assert filed.sample.sha256.encode() in client.get("/console/samples/?search=suspicious.zip").data
    assert filed.number.encode() in client.get(f"/console/viruslab/?search={filed.number}").data
    assert filed.number.encode() not in client.get("/console/viruslab/?search=other.zip").data


def _filter_arg(app, endpoint: str, label: str) -> str:
    """The query argument Flask-Admin gives the filter with this label (flt<position>_<filter argument>)."""
    view = next(v for v in app.extensions["admin"][0]._views if v.endpoint == endpoint)
    argument = next(name for name, (_index, flt) in view._filter_args.items() if flt.name == label)
    return f"flt0_{argument}"


def test_queue_filters_by_verdict_and_yara_rule(app, make, console, client, filed):
    analyst = signed_in(make, console, "analyst")
    service.set_verdict(Actor("staff", analyst.id, analyst.email), filed.sample, "malicious", "Test.Zip", None)
    verdict = _filter_arg(app, "viruslab", "Verdict")
    rule = _filter_arg(app, "viruslab", "YARA rule")
    assert filed.number.encode() in client.get(f"/console/viruslab/?{verdict}=malicious").data
    assert filed.number.encode() not in client.get(f"/console/viruslab/?{verdict}=clean").data
    assert filed.number.encode() in client.get(f"/console/viruslab/?{rule}=Zip_Archive").data
    assert filed.number.encode() not in client.get(f"/console/viruslab/?{rule}=EICAR_Test_File").data


def test_an_analyst_sets_a_verdict_and_the_history_keeps_it(make, console, client, filed):
    analyst = signed_in(make, console, "analyst")
    url = f"/console/samples/{filed.sample_id}/verdict"
    refused = client.post(url, data={"verdict": "malicious", "detection_name": "", "notes": "kept"},
                          follow_redirects=True)
    assert b"needs a detection name" in refused.data and b"kept" in refused.data
    client.post(url, data={"verdict": "malicious", "detection_name": "EICAR-Test-File", "notes": "first look"})
    client.post(url, data={"verdict": "false_positive", "detection_name": "", "notes": "test file only"})
    history = db.session.scalars(select(VerdictChange).order_by(VerdictChange.id)).all()
    assert [(h.verdict, h.staff_id) for h in history] == [("malicious", analyst.id), ("false_positive", analyst.id)]
    db.session.refresh(filed.sample)
    assert filed.sample.verdict == "false_positive"
    page = client.get(f"/console/samples/{filed.sample_id}/")
    assert b"first look" in page.data and b"sender@example.com" in page.data and b"payload.bin" in page.data
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "sample.verdict_set")).all()
    assert len(events) == 2


def test_claim_reply_and_close(smtp, app, make, console, client, filed):
    analyst = signed_in(make, console, "analyst")
    client.post(f"/console/viruslab/claim/{filed.id}")
    db.session.refresh(filed)
    assert (filed.state, filed.assignee_id) == ("waiting", analyst.id)
    again = client.post(f"/console/viruslab/claim/{filed.id}", follow_redirects=True)
    assert b"already claimed" in again.data
    empty = client.post(f"/console/viruslab/reply/{filed.id}", data={"reply": " "}, follow_redirects=True)
    assert b"Write the answer" in empty.data
    assert empty.status_code == 422  # the page again, the message beside the box
    assert re.search(rb'aria-describedby="reply-error"[^>]*> </textarea>\s*<div class="invalid-feedback d-block" '
                     rb'id="reply-error">Write the answer', empty.data)
    client.post(f"/console/viruslab/reply/{filed.id}", data={"reply": "The zip holds the EICAR test file."})
    db.session.refresh(filed)
    assert filed.state == "answered"
    assert conversation.thread(filed, include_notes=False)[-1].body.startswith("The zip")
    deliver_due()
    assert any("answered" in m["Subject"] for m in smtp.messages if m["To"] == "sender@example.com")
    asked = client.post(f"/console/viruslab/close/{filed.id}")  # without confirm.js: a page that asks first
    assert f"Close {filed.number}?" in asked.get_data(as_text=True)
    db.session.refresh(filed)
    assert filed.state == "answered"
    client.post(f"/console/viruslab/close/{filed.id}", data={"confirmed": "yes"})
    db.session.refresh(filed)
    assert filed.state == "closed"


def test_a_second_analyst_cannot_take_a_claimed_request(make, filed):
    first, second = make.staff("analyst"), make.staff("analyst")
    service.claim(Actor("staff", first.id, first.email), filed)
    with pytest.raises(service.ServiceError):
        service.claim(Actor("staff", second.id, second.email), filed)
    db.session.refresh(filed)
    assert filed.assignee_id == first.id


def test_yara_rules_compile_on_save_and_rescan_applies_them(make, console, client, filed):
    signed_in(make, console, "analyst")
    bad = client.post("/console/yara/new/", data={"name": "Broken", "source": "rule Broken { condition: nope }",
                                                  "enabled": "y"})
    assert bad.status_code == 200 and b"does not compile" in bad.data and b"undefined identifier" in bad.data
    assert db.session.scalar(select(YaraRule)) is None
    source = 'rule Payload_Name { strings: $a = "payload.bin" condition: $a }'
    assert client.post("/console/yara/new/", data={"name": "Payload name", "source": source,
                                                   "enabled": "y"}).status_code == 302
    assert db.session.scalar(select(YaraRule.name)) == "Payload name"
    queued = client.post(f"/console/samples/{filed.sample_id}/rescan", follow_redirects=True)
    assert b"a worker unpacks and scans the sample again" in queued.data
    assert run_analysis_jobs() == 1
    matched = set(db.session.scalars(select(YaraMatch.rule_name).where(YaraMatch.sample_id == filed.sample_id)))
    assert matched == {"Zip_Archive", "Payload_Name"}


def test_the_download_is_an_aes_zip_that_opens_with_infected(make, console, client, filed):
    signed_in(make, console, "analyst")
    response = client.post(f"/console/samples/{filed.sample_id}/download")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and f"{filed.sample.sha256}.zip" in disposition
    with pyzipper.AESZipFile(io.BytesIO(response.data)) as archive:
        info = archive.getinfo(filed.sample.sha256)
        assert info.flag_bits & 0x1  # encrypted
        with pytest.raises(RuntimeError):
            archive.read(filed.sample.sha256, pwd=b"wrong")
        content = archive.read(filed.sample.sha256, pwd=b"infected")
    with open(store_path(filed.sample.sha256), "rb") as original:
        assert content == original.read()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sample.downloaded")) is not None


def store_path(sha256: str):
    from backoffice.storage import blob_path

    return blob_path(sha256)


def test_a_rule_cannot_include_files_from_the_server(make, console, client):
    signed_in(make, console, "analyst")
    source = 'include "/etc/passwd"\nrule Reader { condition: true }'
    response = client.post("/console/yara/new/", data={"name": "Reader", "source": source, "enabled": "y"})
    assert response.status_code == 200 and b"does not compile" in response.data
    assert b"root:" not in response.data
    assert db.session.scalar(select(YaraRule)) is None


def test_the_request_list_runs_as_many_statements_for_twelve_rows_as_for_three(make, console, client):
    from sqlalchemy import event

    from tests.viruslab_analysis import analysed

    signed_in(make, console, "analyst")
    customer = make.customer()

    def statements_for_list() -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/console/viruslab/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    for number in range(3):
        analysed(plain_zip({f"a{number}.bin": os.urandom(50), "b.bin": os.urandom(60)}), f"r{number}.zip", customer)
    few = statements_for_list()
    for number in range(3, 12):
        analysed(plain_zip({f"a{number}.bin": os.urandom(50), "b.bin": os.urandom(60)}), f"r{number}.zip", customer)
    assert statements_for_list() == few
