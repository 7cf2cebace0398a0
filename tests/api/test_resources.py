"""What a script does with a token, as an engineer does it in the console: tickets with ETag / If-Match, an
idempotent create for a customer, codes in any shape, the blacklist, verdicts; rate limits with Retry-After."""

from __future__ import annotations

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ActivationCode, Ticket, TicketEvent
from tests.api.helpers import bearer, token_for
from tests.api.seed import seed


def test_ticket_writes_check_if_match_and_go_through_the_console_services(app, client, make):
    rows = seed(make)
    admin = make.staff("admin")
    auth = bearer(token_for(admin))
    url = f"/api/v1/tickets/{rows['ticket'].number}"
    first = client.get(url, headers=auth)
    etag = first.headers["ETag"]
    assert first.json["status"] == "new" and len(first.json["messages"]) == 1
    assert client.get(url, headers={**auth, "If-None-Match": etag}).status_code == 304
    changed = client.patch(url, headers={**auth, "If-Match": etag}, json={"priority": "high", "status": "open"})
    assert changed.status_code == 200 and changed.json["priority"] == "high" and changed.headers["ETag"] != etag
    stale = client.post(f"{url}/replies", headers={**auth, "If-Match": etag}, json={"body": "Hello"})
    assert stale.status_code == 412 and stale.content_type == "application/problem+json"
    assert len(client.get(url, headers=auth).json["messages"]) == 1  # nothing was written
    reply = client.post(f"{url}/replies", headers={**auth, "If-Match": changed.headers["ETag"]},
                        json={"body": "Five seats cost 99 EUR.", "then_status": "waiting"})
    assert reply.status_code == 200 and reply.json["status"] == "waiting"
    actions = db.session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == rows["ticket"].id))
    assert {"priority_changed", "status_changed", "staff_replied"} <= set(actions)
    refused = client.patch(url, headers=auth, json={"status": "new"})
    assert refused.status_code == 422 and refused.json["errors"][0]["name"] == "status"
    assert client.patch(url, headers=auth, json={"assignee_id": 2**63}).status_code == 422


def test_create_for_a_customer_is_idempotent_and_checked_by_the_wizard(app, client, make):
    rows = seed(make)
    auth = bearer(token_for(make.staff("support")))
    body = {"customer_id": rows["customer"].id, "type_code": "presale", "subject": "Price for ten seats",
            "description": "What does a licence for ten computers cost per year?", "os_name": "Windows 11",
            "product_version": "21.3.10.391"}
    key = {"Idempotency-Key": "shop-order-000000042"}
    made = client.post("/api/v1/tickets", headers={**auth, **key}, json=body)
    assert made.status_code == 201, made.json
    again = client.post("/api/v1/tickets", headers={**auth, **key}, json=body)
    assert again.status_code == 200 and again.json["number"] == made.json["number"]
    assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == 2  # the seed's and this one
    wrong = client.post("/api/v1/tickets", headers=auth, json={**body, "os_name": "Plan 9"})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["name"] == "os_name"
    listed = client.get("/api/v1/tickets?sort=priority&status=any", headers=auth)
    assert listed.status_code == 200 and len(listed.json["items"]) == 2
    assert client.get("/api/v1/tickets?q=ab", headers=auth).json["errors"][0]["name"] == "q"


def test_codes_in_any_shape_and_the_blacklist(app, client, make):
    rows = seed(make)
    admin = make.staff("admin")
    auth = bearer(token_for(admin))
    code = db.session.scalar(select(ActivationCode.code))
    messy = " " + code.lower().replace("-", " \u2013 ") + " "
    looked = client.get(f"/api/v1/codes/{messy}", headers=auth)
    assert looked.status_code == 200 and looked.json["code"] == code and looked.json["state"] == "valid"
    listed = client.post("/api/v1/blacklist", headers=auth, json={"code": code.lower(), "reason": "fraud"})
    assert listed.status_code == 201 and listed.json["state"] == "blacklisted"
    again = client.post("/api/v1/blacklist", headers=auth, json={"code": code, "reason": "fraud"})
    assert again.status_code == 422 and "already" in again.json["detail"]
    entry_url = f"/api/v1/blacklist/{listed.json['blacklist_entry_id']}"
    stale = client.post(f"{entry_url}/lift", headers={**auth, "If-Match": '"nope"'}, json={"note": "Paid"})
    assert stale.status_code == 412
    etag = client.get(entry_url, headers=auth).headers["ETag"]
    lifted = client.post(f"{entry_url}/lift", headers={**auth, "If-Match": etag}, json={"note": "Paid after all"})
    assert lifted.status_code == 200 and lifted.json["lift_note"] == "Paid after all"
    customer = client.get(f"/api/v1/customers/{rows['customer'].id}", headers=auth).json
    assert customer["codes"][0]["code"] == code and customer["tickets"][0]["number"] == rows["ticket"].number


def test_verdicts_need_a_detection_name_for_malware(app, client, make):
    rows = seed(make)
    auth = bearer(token_for(make.staff("analyst")))
    url = f"/api/v1/lab/samples/{rows['sample'].sha256}/verdict"
    refused = client.put(url, headers=auth, json={"verdict": "malicious"})
    assert refused.status_code == 422 and refused.json["errors"][0]["name"] == "detection_name"
    found = client.get(f"/api/v1/lab/samples?hash={rows['sample'].md5}", headers=auth).json["items"]
    assert found[0]["sha256"] == rows["sample"].sha256 and "bytes" not in found[0]
    set_ = client.put(url, headers=auth, json={"verdict": "malicious", "detection_name": "Test.Eicar"})
    assert set_.status_code == 200 and set_.json["verdict"] == "malicious"


def test_each_token_has_its_own_rate_limit_with_retry_after(app, client, make):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    admin = make.staff("admin")
    one, other = bearer(token_for(admin, ["audit:read"])), bearer(token_for(admin, ["audit:read"]))
    assert [client.get("/api/v1/audit", headers=one).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/v1/audit", headers=one)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.content_type == "application/problem+json"
    assert client.get("/api/v1/audit", headers=other).status_code == 200


def test_a_lab_file_is_stored_and_its_analysis_queued_as_a_job(app, client, make):
    import base64
    import hashlib

    from backoffice.models import Job, Submission
    from backoffice.security import Actor
    from backoffice.services import webhooks
    from backoffice.services.viruslab.analysis import ANALYSE

    rows = seed(make)
    analyst = make.staff("analyst")
    webhooks.create_subscription("http://127.0.0.1:9/lab", ["lab.request_submitted"], None,
                                 Actor("staff", analyst.id, analyst.email))
    auth = bearer(token_for(analyst))
    data = b"MZ" + b"\x00" * 100
    body = {"customer_id": rows["customer"].id, "request_type": "unknown_malware", "description": "It hides.",
            "product": "Anti-Virus 21", "last_update_date": "2026-11-30", "file_name": "odd.exe",
            "file_base64": base64.b64encode(data).decode()}
    answer = client.post("/api/v1/lab/submissions", headers=auth, json=body)
    assert answer.status_code == 202, answer.json
    assert answer.json["sample"] == hashlib.sha256(data).hexdigest() and answer.json["state"] == "received"
    submission = db.session.scalar(select(Submission).where(Submission.number == answer.json["number"]))
    assert db.session.get(Job, submission.analysis_job_id).kind == ANALYSE  # the worker analyses it, not the request
    assert client.get(answer.headers["Location"], headers=auth).json["size"] == len(data)
    from backoffice.models import WebhookDelivery

    assert [d.event for d in db.session.scalars(select(WebhookDelivery))] == ["lab.request_submitted"]
    bad = client.post("/api/v1/lab/submissions", headers=auth, json={**body, "file_base64": "not base64!"})
    assert bad.status_code == 422 and bad.json["errors"][0]["name"] == "file_base64"
    missing = client.post("/api/v1/lab/submissions", headers=auth, json={**body, "file_base64": None})
    assert missing.status_code == 422 and missing.json["errors"][0]["name"] == "sample"


def test_a_codes_csv_is_imported_by_a_job_all_or_nothing(app, client, make):
    from backoffice.jobs.worker import run_due
    from backoffice.services.licensing.import_jobs import IMPORT

    rows = seed(make)
    auth = bearer(token_for(make.staff("admin")))
    name = rows["product"].name
    good = (f"code,product,seats,valid_from,expires_at\nZZZZZ-ZZZZZ-ZZZZZ-ZZZZ1,{name},2,2026-01-01,2027-01-01\n"
            f"ZZZZZ-ZZZZZ-ZZZZZ-ZZZZ2,{name},1,2026-01-01,2027-01-01\n")
    queued = client.post("/api/v1/codes/imports", headers=auth, json={"csv": good})
    assert queued.status_code == 202 and queued.json["state"] == "queued" and queued.json["report"] is None
    assert db.session.scalar(select(ActivationCode).where(ActivationCode.code == "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZ1")) is None
    run_due(kind_names=[IMPORT])
    done = client.get(queued.headers["Location"], headers=auth).json
    assert done["state"] == "done" and done["report"]["written"] == 2 and done["report"]["ok"] is True
    bad = client.post("/api/v1/codes/imports", headers=auth,
                      json={"csv": good.replace("ZZZZ1", "ZZZZ3").replace(",2,", ",many,")})
    run_due(kind_names=[IMPORT])
    failed = client.get(bad.headers["Location"], headers=auth).json
    assert failed["state"] == "failed" and failed["report"]["ok"] is False and "line 2" in failed["report"]["errors"]
    assert db.session.scalar(select(ActivationCode).where(ActivationCode.code == "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZ3")) is None


def test_customer_search_reads_the_term_as_the_console_does(app, client, make):
    rows = seed(make)
    auth = bearer(token_for(make.staff("support")))
    by_ticket = client.get(f"/api/v1/customers?q={rows['ticket'].number.lower()}", headers=auth).json
    assert by_ticket["matched_as"] == "ticket" and by_ticket["items"][0]["id"] == rows["customer"].id
    by_mail = client.get("/api/v1/customers?q=buyer@example.com", headers=auth).json
    assert by_mail["matched_as"] == "email" and len(by_mail["items"]) == 1
    short = client.get("/api/v1/customers?q=ab", headers=auth)
    assert short.status_code == 422 and short.json["errors"] == [
        {"name": "q", "in": "query", "detail": short.json["detail"]}]
