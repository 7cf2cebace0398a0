"""The conversation on a Virus Lab request, through the portal and the console: the customer replies and adds
files, the analyst answers (mailed) and writes notes (never shown or mailed), bad input is explained beside its
field and writes nothing, and another customer's request answers 404."""

from __future__ import annotations

import io
import os
import re

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Job, LabMessage, LabMessageFile, Sample, Submission
from backoffice.security import Actor
from backoffice.services.viruslab import submissions as service
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver
from tests.smtp import SmtpSink
from tests.viruslab_analysis import analysed, files_of, run_analysis_jobs


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def written() -> tuple[int, int, int]:
    return count(LabMessage), count(LabMessageFile), count(Job)


def fresh(submission: Submission) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def reply(client, submission, body="", files=(), **extra):
    data = {"body": body, "files": [(io.BytesIO(content), name) for name, content in files], **extra}
    return client.post(f"/viruslab/{submission.number}/reply", data=data, content_type="multipart/form-data")


def error_beside(page: str, field_id: str) -> str:
    """The error text rendered right after the field with this id (the macro's invalid-feedback), which the
    field names as its description and is marked invalid by."""
    match = re.search(rf'<[^>]*id="{field_id}"[^>]*>(?:[^<]*</textarea>)?\s*(?:<small[^>]*>[^<]*</small>\s*)?'
                      rf'<div class="invalid-feedback d-block" id="{field_id}-error"><div>([^<]+)</div>', page)
    assert match, f"no error beside #{field_id}"
    assert 'aria-invalid="true"' in match.group(0) and f"{field_id}-error" in match.group(0).split(">")[0]
    return match.group(1)


def test_the_customer_and_the_analyst_talk_and_an_added_file_is_analysed(smtp, app, make, sign_in_customer,
                                                                         console, client):
    customer = make.customer(email="dana@example.com")
    submission = analysed(os.urandom(600), "first.bin", customer)
    deliver(smtp)  # the confirmation of receipt
    portal = sign_in_customer(app.test_client(), customer)
    page = portal.get(f"/viruslab/{submission.number}").get_data(as_text=True)
    assert '<label for="body">Your message to the Virus Lab</label>' in page
    assert 'type="file"' in page and "multiple" in page and '<label for="files">Add files</label>' in page
    assert "Send to the Virus Lab" in page

    sent = reply(portal, submission, "The installer dropped this too.", [("dropped.dll", os.urandom(800))])
    assert sent.status_code == 302 and sent.location.endswith(f"/viruslab/{submission.number}")
    [added] = db.session.scalars(select(LabMessageFile)).all()
    assert added.name == "dropped.dll" and fresh(submission).state == "received"
    page = portal.get(f"/viruslab/{submission.number}").get_data(as_text=True)
    assert "The installer dropped this too." in page and "dropped.dll" in page and " UTC</div>" in page

    assert run_analysis_jobs() == 1
    assert set(files_of(fresh(submission))) == {"first.bin", "dropped.dll"}
    assert fresh(submission).state == "waiting"

    analyst = make.staff("analyst")
    assert console.login(analyst.email, PASSWORD).status_code == 302
    client.post(f"/console/viruslab/note/{submission.id}", data={"note": "Same packer as last week's batch."})
    client.post(f"/console/viruslab/reply/{submission.id}", data={"reply": "Both files are clean."})
    assert fresh(submission).state == "answered"
    details = client.get(f"/console/viruslab/details/?id={submission.id}").get_data(as_text=True)
    assert "Internal note</span>" in details and "Same packer as last week" in details
    assert "Both files are clean." in details and "dropped.dll" in details
    assert '<label for="note">Internal note (analysts only)</label>' in details

    [mail] = deliver(smtp)
    assert mail["To"] == submission.email and submission.number in mail["Subject"]
    assert "Both files are clean." in SmtpSink.text_of(mail) and "packer" not in SmtpSink.text_of(mail)
    page = portal.get(f"/viruslab/{submission.number}").get_data(as_text=True)
    assert "Both files are clean." in page and "packer" not in page
    listing = portal.get("/viruslab").get_data(as_text=True)
    assert "Both files are clean." in listing  # the Answer column: the latest Virus Lab message


def test_an_empty_message_is_explained_beside_the_field_and_nothing_is_written(app, make, sign_in_customer):
    customer = make.customer()
    submission = analysed(os.urandom(500), customer=customer)
    portal = sign_in_customer(app.test_client(), customer)
    before = written()
    refused = reply(portal, submission, "   ")
    assert refused.status_code == 422
    assert error_beside(refused.get_data(as_text=True), "body") == "Write a message or attach a file."
    assert written() == before


def test_a_text_value_where_a_file_belongs_is_no_file(app, make, sign_in_customer):
    customer = make.customer()
    submission = analysed(os.urandom(500), customer=customer)
    portal = sign_in_customer(app.test_client(), customer)
    before = written()
    only_text = portal.post(f"/viruslab/{submission.number}/reply", data={"body": "", "files": "not-a-file.exe"})
    assert only_text.status_code == 422 and "Write a message or attach a file." in only_text.get_data(as_text=True)
    body_as_file = reply(portal, submission, files=[("x.bin", b"abc")], body=None)
    assert body_as_file.status_code == 302  # a file alone is a message
    assert count(LabMessageFile) == 1
    file_as_body = portal.post(f"/viruslab/{submission.number}/reply", content_type="multipart/form-data",
                               data={"body": (io.BytesIO(b"bytes"), "body.txt")})
    assert file_as_body.status_code == 422  # a file sent as the message is no message
    with_text = portal.post(f"/viruslab/{submission.number}/reply", data={"body": "Hello", "files": "x"})
    assert with_text.status_code == 302
    messages, files, _jobs = written()
    assert (messages, files) == (before[0] + 2, 1)


def test_a_closed_request_shows_no_form_and_refuses_a_reply(app, make, sign_in_customer):
    customer = make.customer()
    submission = analysed(os.urandom(500), customer=customer)
    service.close(Actor.system(), submission)
    portal = sign_in_customer(app.test_client(), customer)
    page = portal.get(f"/viruslab/{submission.number}").get_data(as_text=True)
    assert "Send to the Virus Lab" not in page and "This request is closed." in page
    before = written()
    refused = reply(portal, submission, "Reopen please", [("late.bin", b"late")])
    assert refused.status_code == 422
    assert re.search(r'id="reply-refused">This request is closed\.', refused.get_data(as_text=True))
    assert written() == before and count(Sample) == 1


def test_another_customers_request_answers_404_and_nothing_is_written(app, make, sign_in_customer):
    owner, other = make.customer(), make.customer()
    submission = analysed(os.urandom(500), customer=owner)
    intruder = sign_in_customer(app.test_client(), other)
    before = written()
    assert reply(intruder, submission, "Mine now", [("x.bin", b"x")]).status_code == 404
    assert intruder.get(f"/viruslab/{submission.number}").status_code == 404
    assert written() == before and count(Sample) == 1


def test_files_over_the_limit_get_the_limit_beside_the_field_and_nothing_is_stored(app_config, make,
                                                                                    sign_in_customer):
    app_config["SAMPLE_MAX_BYTES"] = 1000
    from backoffice import create_app

    app = create_app(app_config)
    with app.app_context():
        customer = make.customer()
        submission = analysed(os.urandom(500), customer=customer)
        portal = sign_in_customer(app.test_client(), customer)
        before = (written(), count(Sample))
        counted = reply(portal, submission, "A bigger one", [("big.bin", os.urandom(2000))])
        assert counted.status_code == 413
        page = counted.get_data(as_text=True)
        assert error_beside(page, "files").startswith("“big.bin” is larger than the limit of 1000 bytes")
        assert "A bigger one" in page  # what was typed is kept
        declared = reply(portal, submission, "Huge", [("huge.bin", os.urandom(400_000))])
        assert declared.status_code == 413 and "larger than the limit of 1000 bytes" in declared.get_data(as_text=True)
        assert (written(), count(Sample)) == before
        db.session.remove()


def test_support_reads_the_thread_but_cannot_write_to_it(make, console, client):
    submission = analysed(os.urandom(500))
    support = make.staff("support")
    assert console.login(support.email, PASSWORD).status_code == 302
    details = client.get(f"/console/viruslab/details/?id={submission.id}").get_data(as_text=True)
    assert 'id="conversation"' in details and "Internal note (analysts only)" not in details
    assert client.post(f"/console/viruslab/note/{submission.id}", data={"note": "x"}).status_code == 403
    assert count(LabMessage) == 0
