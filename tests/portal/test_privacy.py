"""Privacy over HTTP: the data download is a zip a job prepares (every record type, the files' exact bytes, only
for its customer, for a limited time); closing an account frees its seats and anonymises (or deletes) its
tickets and Virus Lab requests, keeping the samples."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import timedelta

import pyzipper
from sqlalchemy import func, select

from backoffice.clock import set_now, utcnow
from backoffice.extensions import db
from backoffice.jobs.worker import run_due
from backoffice.mail import deliver_due
from backoffice.models import (
    ActivationCode,
    Attachment,
    AuditEvent,
    Course,
    Customer,
    DataExport,
    Enrollment,
    Job,
    LabMessage,
    LegacyCode,
    Product,
    Sample,
    Submission,
    Ticket,
    TicketMessage,
)
from backoffice.security import Actor
from backoffice.services.licensing.codes import add_code
from backoffice.services.privacy_export import BUILD, EXPIRE, request_export
from backoffice.services.support import correspondence
from backoffice.services.viruslab import conversation
from backoffice.storage import blob_exists
from tests.conftest import wait_until
from tests.factories import PASSWORD
from tests.portal.mailbox import deliver, only_message_to
from tests.races import run_together
from tests.support.helpers import customer_actor, make_ticket, staff_actor
from tests.viruslab_analysis import submit

LOG = b"2026-11-30 12:00:01 scan started\x00\xffbinary tail"
SAMPLE = b"MZ\x90\x00 pretend this is a dropper " + bytes(range(256))
ADDED_LATER = b"second sample bytes \x01\x02"


def setup_customer(make):
    customer = make.customer(email="ann@example.com", name="Ann Smith", city="Berlin", country="DE")
    product = Product(name="Internet Security 2010")
    db.session.add(product)
    db.session.flush()
    now = utcnow()
    code = ActivationCode(code="ABCDE-12345-FGHIJ-67890", product_id=product.id, seats=1,
                          valid_from=now - timedelta(days=1), expires_at=now + timedelta(days=300))
    course = Course(title="Phishing basics", summary="Spot a fake page.", is_published=True)
    db.session.add_all([code, course])
    db.session.flush()
    db.session.add(Enrollment(customer_id=customer.id, course_id=course.id))
    db.session.add(LegacyCode(customer_id=customer.id, code="ZZZZZ-11111-YYYYY-22222", outcome="unknown",
                              reason="We do not know the activation code ZZZZZ-11111-YYYYY-22222."))
    db.session.commit()
    assert add_code(customer, "ABCDE-12345-FGHIJ-67890", Actor("customer", customer.id)).added
    return customer, code


def with_requests(make, app, sign_in_customer, customer):
    """A ticket with a customer reply carrying a file, a public staff answer and an internal note; a Virus Lab
    request with a sample, a file added later, an answer and an analyst's note."""
    ticket = make_ticket(customer, subject="Scan stops", description="Write to ann@example.com, Ann Smith")
    web = sign_in_customer(app.test_client(), customer)
    assert web.post(f"/support/requests/{ticket.number}/reply", data={
        "body": "Here is the log.", "files": (io.BytesIO(LOG), "scan/../log.txt")},
        content_type="multipart/form-data").status_code == 302
    staff = staff_actor(make.staff("support"))
    correspondence.staff_reply(ticket, staff, "Please update the databases.")
    correspondence.staff_reply(ticket, staff, "NOTE: this customer is a reseller", internal=True)
    submission = submit(SAMPLE, "dropper.exe", customer)
    conversation.customer_reply(submission, customer_actor(customer), "One more, from ann@example.com",
                                [_upload(ADDED_LATER, "second.bin")])
    analyst = staff_actor(make.staff("analyst"))
    conversation.staff_reply(submission, analyst, "It is a Trojan; your product now detects it.")
    conversation.staff_reply(submission, analyst, "NOTE: seen in campaign X", internal=True)
    return ticket, submission


def _upload(data: bytes, name: str):
    from backoffice.services.support.attachments import Upload

    return Upload(io.BytesIO(data), name)


def prepare_download(web) -> DataExport:
    response = web.post("/account/privacy/export")
    assert response.status_code == 302
    page = web.get("/account/privacy").text
    assert "Your download is being prepared" in page and "UTC" in page
    assert 'id="export-download"' not in page
    assert run_due(kind_names=[BUILD]).attempted == 1
    return db.session.scalar(select(DataExport).order_by(DataExport.id.desc()))


def test_the_download_is_a_zip_with_every_record_type_and_the_files(smtp, app, make, sign_in_customer):
    customer, _ = setup_customer(make)
    ticket, submission = with_requests(make, app, sign_in_customer, customer)
    web = sign_in_customer(app.test_client(), customer)
    export = prepare_download(web)
    [message] = [m for m in deliver(smtp) if m["Subject"] == "Your data download is ready"]
    assert message["To"] == "ann@example.com"
    assert "/account/privacy" in smtp.text_of(message) and "UTC" in smtp.text_of(message)

    page = web.get("/account/privacy").text
    link = f"/account/privacy/exports/{export.id}/my-account-data.zip"
    assert link in page and "available until" in page
    response = web.get(link)
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]

    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("manifest.json"))
    assert data["account"]["email"] == "ann@example.com" and data["profile"]["city"] == "Berlin"
    assert data["activation_codes"][0]["code"] == "ABCDE-12345-FGHIJ-67890"
    assert data["personal_cabinet_codes"][0]["outcome_on_claim"] == "unknown"
    assert data["courses"][0]["title"] == "Phishing basics"
    assert "customer.data_export_requested" in [e["action"] for e in data["security_events"]]
    [exported_ticket] = data["tickets"]
    assert exported_ticket["number"] == ticket.number and exported_ticket["subject"] == "Scan stops"
    texts = [m["text"] for m in exported_ticket["messages"]]
    assert "Here is the log." in texts and "Please update the databases." in texts
    assert "reseller" not in json.dumps(data)  # internal notes are not the customer's correspondence
    [file] = exported_ticket["files"]
    assert file["name"] == "scan/../log.txt" or file["name"] == "log.txt"
    assert "/../" not in file["path"] and archive.read(file["path"]) == LOG  # the exact bytes

    [lab] = data["viruslab_requests"]
    assert lab["number"] == submission.number and lab["email"] == "ann@example.com"
    assert [m["text"] for m in lab["messages"]] == ["One more, from ann@example.com",
                                                    "It is a Trojan; your product now detects it."]
    assert "campaign X" not in json.dumps(data)
    samples = pyzipper.AESZipFile(io.BytesIO(archive.read(lab["files_archive"])))
    samples.setpassword(app.config["SAMPLE_ZIP_PASSWORD"].encode())
    assert samples.read(lab["files"][0]["path_in_archive"]) == SAMPLE
    assert lab["messages"][0]["files"], lab
    assert samples.read(lab["messages"][0]["files"][0]["path_in_archive"]) == ADDED_LATER
    assert samples.infolist()[0].flag_bits & 0x1  # encrypted: a lab file never leaves raw
    assert data["files_missing"] == []
    assert app.config["SAMPLE_ZIP_PASSWORD"] in archive.read("README.txt").decode()
    assert "password_hash" not in json.dumps(data) and "session_epoch" not in json.dumps(data)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "customer.data_exported", AuditEvent.object_id == str(customer.id))) == 1


def test_only_its_customer_downloads_it_and_only_until_it_expires(app, make, sign_in_customer):
    customer, _ = setup_customer(make)
    web = sign_in_customer(app.test_client(), customer)
    export = prepare_download(web)
    link = f"/account/privacy/exports/{export.id}/my-account-data.zip"
    other = sign_in_customer(app.test_client(), make.customer())
    assert other.get(link).status_code == 404
    assert app.test_client().get(link).status_code == 302  # signed out: to the sign-in page
    assert web.get(f"/account/privacy/exports/{export.id + 1}/my-account-data.zip").status_code == 404
    assert web.get(link).status_code == 200

    set_now(export.expires_at + timedelta(seconds=1))
    assert web.get(link).status_code == 404
    assert "Prepare a download of my data" in web.get("/account/privacy").text
    assert blob_exists(export.sha256)
    assert run_due(kind_names=[EXPIRE]).attempted == 1  # queued for expires_at when the zip was ready
    db.session.refresh(export)
    assert export.state == "expired" and not blob_exists(export.sha256)


def test_asking_twice_while_it_is_prepared_builds_one_zip(app, make, sign_in_customer):
    customer, _ = setup_customer(make)
    web = sign_in_customer(app.test_client(), customer)
    web.post("/account/privacy/export")
    page = web.get("/account/privacy").text
    assert "Prepare a" not in page  # no second button while one is being prepared
    web.post("/account/privacy/export")
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == BUILD)) == 1


def test_two_requests_at_once_queue_one_download(postgres_only, app, make):
    customer, _ = setup_customer(make)
    customer_id, actor = customer.id, customer_actor(customer)
    barrier = threading.Barrier(2)
    exports = []

    def ask():
        with app.app_context():
            try:
                own = db.session.get(Customer, customer_id)
                barrier.wait()
                exports.append(request_export(own, actor).id)
            finally:
                db.session.remove()

    run_together(ask, 2, timeout=30)
    assert len(exports) == 2 and exports[0] == exports[1]
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == BUILD)) == 1


def close(web, smtp=None):
    refused = web.post("/account/close", data={"password": "not mine", "confirm": "y"})
    assert refused.status_code == 200 and "This is not your password." in refused.text
    unticked = web.post("/account/close", data={"password": PASSWORD})
    assert "Tick the box to confirm." in unticked.text
    response = web.post("/account/close", data={"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()


def test_closing_anonymises_tickets_and_lab_requests_frees_seats_and_keeps_samples(
        smtp, app, make, sign_in_customer, console):
    customer, code = setup_customer(make)
    customer_id = customer.id
    ticket, submission = with_requests(make, app, sign_in_customer, customer)
    web = sign_in_customer(app.test_client(), customer)
    export = prepare_download(web)
    export_id, export_zip, ticket_id, ticket_number, submission_id = (
        export.id, export.sha256, ticket.id, ticket.number, submission.id)
    sample_ids = set(db.session.scalars(select(Sample.id)))
    deliver(smtp)  # the mails of the requests themselves
    close(web)

    assert db.session.get(Customer, customer_id) is None
    assert db.session.get(ActivationCode, code.id).seats_taken == 0  # another account may take it now
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    kept = db.session.get(Ticket, ticket_id)
    assert kept is not None and kept.customer_id is None and kept.anonymised_at is not None
    assert kept.status == "closed" and kept.description == "Write to [removed], [removed]"
    messages = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket_id)).all()
    assert len(messages) >= 4  # the thread stays for the statistics
    customer_messages = [m for m in messages if m.author_kind == "customer"]
    assert customer_messages and {m.author_label for m in customer_messages} == {"Former customer"}
    assert all(m.author_customer_id is None for m in messages)
    assert db.session.scalar(select(func.count()).select_from(Attachment).where(Attachment.ticket_id == ticket_id))
    lab = db.session.get(Submission, submission_id)
    assert lab is not None and lab.customer_id is None and lab.email is None and lab.anonymised_at is not None
    lab_texts = [m.body for m in db.session.scalars(select(LabMessage).where(
        LabMessage.submission_id == submission_id))]
    assert "One more, from [removed]" in lab_texts
    everything = " ".join([kept.subject, kept.description, *[m.body for m in messages], *lab_texts,
                           *[m.author_label for m in messages]])
    assert "ann@example.com" not in everything and "Ann Smith" not in everything
    assert set(db.session.scalars(select(Sample.id))) == sample_ids  # samples stay
    assert all(blob_exists(sha) for sha in db.session.scalars(select(Sample.sha256)))
    assert db.session.get(DataExport, export_id) is None and not blob_exists(export_zip)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.closed",
                                                       AuditEvent.object_id == str(customer_id)))
    assert event.after == {"requests": "anonymise", "tickets": 1, "lab_requests": 1}
    mail = only_message_to(deliver(smtp), "ann@example.com")
    assert mail["Subject"] == "Your account was closed" and "without your name" in smtp.text_of(mail)
    assert web.get("/account/profile").status_code == 302  # signed out

    # staff still open the anonymised request, and answering it mails nobody
    staff = make.staff("support", password=PASSWORD)
    console.login(staff.email, PASSWORD)
    page = console.client.get(f"/console/tickets/{ticket_number}")
    assert page.status_code == 200 and "Former customer" in page.text and "ann@example.com" not in page.text
    assert "Former customer" in console.client.get("/console/tickets/?status=closed").text
    correspondence.staff_reply(kept, staff_actor(staff), "Closing note for the statistics.")
    assert deliver_due().attempted == 0


def test_closing_with_the_setting_delete_deletes_them_and_keeps_samples(app_config, smtp, app, make,
                                                                       sign_in_customer):
    app.config["ACCOUNT_CLOSE_REQUESTS"] = "delete"
    customer, code = setup_customer(make)
    ticket, submission = with_requests(make, app, sign_in_customer, customer)
    other_ticket = make_ticket(make.customer(), subject="Someone else's")
    ticket_id, submission_id, other_id = ticket.id, submission.id, other_ticket.id
    sample_ids = set(db.session.scalars(select(Sample.id)))
    web = sign_in_customer(app.test_client(), customer)
    assert "Your support requests and Virus Lab requests are deleted too." in web.get("/account/privacy").text
    close(web)

    assert db.session.get(Ticket, ticket_id) is None and db.session.get(Submission, submission_id) is None
    assert db.session.scalar(select(func.count()).select_from(TicketMessage).where(
        TicketMessage.ticket_id == ticket_id)) == 0
    assert db.session.get(Ticket, other_id) is not None
    assert set(db.session.scalars(select(Sample.id))) == sample_ids
    assert all(blob_exists(sha) for sha in db.session.scalars(select(Sample.sha256)))
    assert db.session.get(ActivationCode, code.id).seats_taken == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.closed"))
    assert event.after == {"requests": "delete", "tickets": 1, "lab_requests": 1}


def test_a_worker_process_prepares_the_download_and_mails_the_link(smtp, workers, app, make, sign_in_customer):
    customer, _ = setup_customer(make)
    web = sign_in_customer(app.test_client(), customer)
    assert web.post("/account/privacy/export").status_code == 302
    workers.start()
    export = wait_until(lambda: db.session.scalar(select(DataExport).where(DataExport.state == "ready")),
                        message="the worker's zip")
    assert web.get(f"/account/privacy/exports/{export.id}/my-account-data.zip").status_code == 200
    mail = smtp.wait_for(1)  # the worker sends the mail too
    assert [m["Subject"] for m in mail] == ["Your data download is ready"]
