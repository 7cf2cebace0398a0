"""The customer's side of the Virus Lab (FAQ §14): form, review, Submit, confirmation mail, status list, the
size limit, and no way into another customer's request."""

from __future__ import annotations

import io
import os
from datetime import date, timedelta

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import Sample, Submission
from backoffice.security import Actor
from backoffice.services.viruslab import submissions as service
from tests.viruslab_analysis import run_analysis_jobs
from tests.viruslab_files import eicar_bytes, encrypted_zip

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def request_data(**overrides) -> dict:
    data = {
        "request_type": "unknown_malware",
        "description": "My scanner found this file in Downloads.",
        "detection_seen": "",
        "product": "Kaspersky Internet Security",
        "last_update_date": YESTERDAY,
        "email": "me@example.com",
    }
    data.update(overrides)
    return data


def with_file(data: dict, content: bytes, name: str = "sample.zip") -> dict:
    return {**data, "sample": (io.BytesIO(content), name)}


def submission_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_a_customer_sends_a_zipped_sample_through_review_and_submit(smtp, app, make, sign_in_customer):
    customer = make.customer(email="chris@example.com")
    client = sign_in_customer(app.test_client(), customer)
    page = client.get("/viruslab/new")
    assert page.status_code == 200 and b"answers <strong>chris@example.com</strong>" in page.data
    assert b"password infected" in page.data

    archive = encrypted_zip({"eicar.com": eicar_bytes()})
    review = client.post("/viruslab/new", data=with_file(request_data(email="chris@example.com"), archive),
                         content_type="multipart/form-data")
    assert review.status_code == 200 and b"Check your request" in review.data
    assert b"sample.zip" in review.data
    assert submission_count() == 0  # nothing is filed before Submit

    done = client.post("/viruslab/new/review", data={**request_data(email="chris@example.com"), "submit": "1"})
    assert done.status_code == 302
    submission = db.session.scalar(select(Submission))
    assert done.location.endswith(f"/viruslab/{submission.number}")
    assert (submission.customer_id, submission.file_name, submission.state) == (customer.id, "sample.zip",
                                                                                "received")
    deliver_due()
    assert [m["To"] for m in smtp.messages] == ["chris@example.com"]
    assert submission.number in smtp.messages[0]["Subject"]
    listing = client.get("/viruslab")
    assert submission.number.encode() in listing.data and b"<td>Received</td>" in listing.data

    assert run_analysis_jobs() == 1  # the worker unpacks the zip
    db.session.expire_all()
    assert db.session.get(Sample, submission.sample_id).archive_state == "extracted"
    page = client.get(f"/viruslab/{submission.number}")
    assert b'id="state">Waiting for an analyst<' in page.data


def test_back_to_edit_keeps_the_values_and_the_file(app, make, sign_in_customer):
    client = sign_in_customer(app.test_client(), make.customer())
    client.post("/viruslab/new", data=with_file(request_data(description="Kept text"), b"some bytes", "a.bin"),
                content_type="multipart/form-data")
    edit = client.post("/viruslab/new/review", data={**request_data(description="Kept text"), "edit": "1"})
    assert edit.status_code == 200 and b"Kept text" in edit.data and b'id="kept-file"' in edit.data
    # Next again without choosing the file again: the kept file is used
    review = client.post("/viruslab/new", data=request_data(description="Kept text"),
                         content_type="multipart/form-data")
    assert review.status_code == 200 and b"a.bin" in review.data
    # opening the form afresh starts a new request: the old file is not sent by accident
    assert b'id="kept-file"' not in client.get("/viruslab/new").data


def test_bad_input_is_explained_beside_its_field_and_nothing_is_written(app, make, sign_in_customer):
    client = sign_in_customer(app.test_client(), make.customer())
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = client.post("/viruslab/new", data=with_file(request_data(last_update_date=tomorrow), b"x" * 10),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert b"cannot be in the future" in response.data
    assert b"My scanner found this file" in response.data and b'id="kept-file"' in response.data
    response = client.post("/viruslab/new", data=request_data(request_type="false_alarm"),
                           content_type="multipart/form-data")
    assert response.status_code == 422 and b"name of the detection" in response.data
    assert submission_count() == 0


def test_an_oversized_upload_gets_a_413_page_naming_the_limit(app_config, make, sign_in_customer):
    app_config["SAMPLE_MAX_BYTES"] = 1000
    from backoffice import create_app

    app = create_app(app_config)
    with app.app_context():
        client = sign_in_customer(app.test_client(), make.customer())
        big = client.post("/viruslab/new", data=with_file(request_data(), os.urandom(400_000)),
                          content_type="multipart/form-data")
        assert big.status_code == 413
        assert b"larger than the limit of 1000 bytes" in big.data
        # over the file limit but within the form's allowance: refused by counting, beside the field
        small = client.post("/viruslab/new", data=with_file(request_data(), os.urandom(2000)),
                            content_type="multipart/form-data")
        assert small.status_code == 413
        assert b"larger than the limit of 1000 bytes" in small.data and b"Describe your problem" in small.data
        assert db.session.scalar(select(func.count()).select_from(Sample)) == 0
        db.session.remove()


def test_another_customers_request_answers_404(app, make, sign_in_customer):
    owner, other = make.customer(), make.customer()
    form = service.RequestForm("description", "Tell me about X", "Kaspersky Anti-Virus", date(2026, 1, 1))
    submission = service.create_submission(Actor.system(), owner, form, None)
    client = sign_in_customer(app.test_client(), other)
    assert client.get(f"/viruslab/{submission.number}").status_code == 404
    assert submission.number.encode() not in client.get("/viruslab").data
    owner_client = sign_in_customer(app.test_client(), owner)
    assert owner_client.get(f"/viruslab/{submission.number}").status_code == 200


def test_the_customer_sees_the_verdict_and_answer_and_gets_a_mail(smtp, app, make, sign_in_customer):
    from backoffice.storage import store_stream

    customer, analyst = make.customer(), make.staff("analyst")
    blob = store_stream(io.BytesIO(eicar_bytes()), 1000)
    form = service.RequestForm("false_alarm", "Is this a virus?", "Kaspersky Anti-Virus", date(2026, 1, 1),
                               "EICAR-Test-File", "eicar.com")
    submission = service.create_submission(Actor.system(), customer, form, blob)
    run_analysis_jobs()
    db.session.refresh(submission)
    actor = Actor("staff", analyst.id, analyst.email, role="analyst")
    service.set_verdict(actor, submission.sample, "malicious", "EICAR-Test-File", "the test file")
    service.reply(actor, submission, "This is the EICAR test file: the detection is correct.")
    deliver_due()
    assert any("answered" in m["Subject"] and m["To"] == customer.email for m in smtp.messages)
    page = sign_in_customer(app.test_client(), customer).get("/viruslab")
    assert b"Answered" in page.data and b"Malicious" in page.data and b"the detection is correct" in page.data


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/viruslab", "/viruslab/new"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


def test_a_right_to_left_override_in_a_name_is_shown_neutralised_everywhere(smtp, app, make, sign_in_customer,
                                                                            console):
    from tests.factories import PASSWORD
    from tests.portal.mailbox import deliver
    from tests.smtp import SmtpSink
    from tests.viruslab_analysis import analysed

    customer = make.customer()
    tricky = "Scan_\u202egpj.zip"  # reads as "Scan_piz.jpg" when the override is obeyed
    submission = analysed(encrypted_zip({"invoice\u202etxt.exe": b"MZ" + os.urandom(200)}), tricky, customer)
    assert submission.file_name == tricky  # the raw name is kept
    pages = [sign_in_customer(app.test_client(), customer).get(f"/viruslab/{submission.number}").get_data(True)]
    analyst = make.staff("analyst")
    console.login(analyst.email, PASSWORD)
    staff_client = console.client
    pages.append(staff_client.get(f"/console/viruslab/details/?id={submission.id}").get_data(as_text=True))
    pages.append(staff_client.get("/console/viruslab/").get_data(as_text=True))
    pages.append(SmtpSink.text_of(deliver(smtp)[0]))
    for page in pages:
        assert "\u202e" not in page
    assert "Scan_\\u202egpj.zip" in pages[0] and "invoice\\u202etxt.exe" in pages[1]


def test_the_lab_writes_only_to_the_accounts_address_whatever_is_posted(smtp, app, make, sign_in_customer):
    """A typed address would let anyone make us mail a stranger: the form has none, and one posted anyway is
    ignored."""
    from tests.portal.mailbox import deliver

    customer = make.customer(email="owner@example.com")
    client = sign_in_customer(app.test_client(), customer)
    page = client.get("/viruslab/new").get_data(as_text=True)
    assert 'name="email"' not in page and "owner@example.com" in page
    values = {**request_data(), "email": "stranger@example.com"}
    client.post("/viruslab/new", data=with_file(values, b"some bytes", "a.bin"), content_type="multipart/form-data")
    done = client.post("/viruslab/new/review", data={**values, "submit": "1"})
    assert done.status_code == 302
    submission = db.session.scalar(select(Submission))
    assert submission.email == "owner@example.com"
    assert [m["To"] for m in deliver(smtp)] == ["owner@example.com"]
