"""Send to the Virus Lab from a ticket file, over HTTP: the file becomes a lab request of the ticket's customer,
linked both ways; the lab's verdict and answer show on the console ticket page and on the customer's request
page. "Virus disinfection" files go by themselves, unless the setting is off. Two clicks at once make one request."""

from __future__ import annotations

import io
import threading

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Attachment, AuditEvent, Submission, TicketEvent
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import lab_link
from tests.console.test_ticket_files import EXECUTABLE, TEXT, file_named, run_checks, section, wizard_ticket
from tests.factories import PASSWORD
from tests.races import run_together
from tests.support.helpers import product_with_code
from tests.viruslab_analysis import run_analysis_jobs


def staff_client(app, make, role: str):
    client = app.test_client()
    client.post("/console/login", data={"email": make.staff(role).email, "password": PASSWORD})
    return client


def submissions_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_send_to_the_virus_lab_and_the_verdict_shows_on_both_sides(app, make, web, customer):
    support, analyst = staff_client(app, make, "support"), staff_client(app, make, "analyst")
    ticket = wizard_ticket(web, [(EXECUTABLE, "invoice.exe")])
    program = file_named(ticket, "invoice.exe")
    page = support.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "Send to the Virus Lab" in section(page, program)
    assert submissions_count() == 0  # a presale question's files are not sent by themselves

    sent = support.post(f"/console/tickets/files/{program.id}/send-to-lab", follow_redirects=True)
    page = sent.get_data(as_text=True)
    submission = db.session.scalar(select(Submission))
    assert f"was sent to the Virus Lab as request {submission.number}" in page
    assert submission.customer_id == customer.id and submission.file_name == "invoice.exe"
    assert submission.sample.sha256 == program.sha256 and ticket.number in submission.description
    assert file_named(ticket, "invoice.exe").lab_submission_id == submission.id
    entry = section(page, program)
    assert submission.number in entry and "Send to the Virus Lab" not in entry and "Verdict: none yet" in entry
    again = support.post(f"/console/tickets/files/{program.id}/send-to-lab", follow_redirects=True)
    assert f"was sent to the Virus Lab already, as {submission.number}" in again.get_data(as_text=True)
    assert submissions_count() == 1
    assert db.session.scalar(select(TicketEvent.after).where(TicketEvent.action == "sent_to_virus_lab")) == {
        "file": "invoice.exe", "lab request": submission.number}

    lab_page = analyst.get(f"/console/viruslab/details/?id={submission.id}").get_data(as_text=True)
    assert "Sent from support request" in lab_page and ticket.number in lab_page
    assert f'/console/tickets/{ticket.number}#file-{program.id}' not in lab_page  # analysts cannot open tickets
    admin_lab_page = staff_client(app, make, "admin").get(f"/console/viruslab/details/?id={submission.id}")
    assert f'href="/console/tickets/{ticket.number}#file-{program.id}"' in admin_lab_page.get_data(as_text=True)

    run_analysis_jobs()
    analyst.post(f"/console/samples/{submission.sample_id}/verdict",
                 data={"verdict": "malicious", "detection_name": "Trojan.Win32.Invoice", "notes": "dropper"})
    analyst.post(f"/console/viruslab/reply/{submission.id}",
                 data={"reply": "The file is a trojan dropper; your product removes it after the update."})

    entry = section(support.get(f"/console/tickets/{ticket.number}").get_data(as_text=True), program)
    assert "Verdict: <strong>Malicious</strong> (Trojan.Win32.Invoice)" in entry and "Answered" in entry
    assert "The file is a trojan dropper" in entry
    portal = web.get(f"/support/requests/{ticket.number}").get_data(as_text=True)
    assert "Files examined by the Virus Lab" in portal
    assert f'href="/viruslab/{submission.number}"' in portal
    assert "Malicious (Trojan.Win32.Invoice)" in portal and "The file is a trojan dropper" in portal
    lab_request = web.get(f"/viruslab/{submission.number}").get_data(as_text=True)  # the customer's own
    assert f'from your request <a href="/support/requests/{ticket.number}">' in lab_request


def test_the_customer_page_shows_no_lab_section_before_sending(web):
    ticket = wizard_ticket(web, [(TEXT, "notes.txt")])
    assert "Files examined by the Virus Lab" not in web.get(f"/support/requests/{ticket.number}").get_data(
        as_text=True)


def test_virus_disinfection_files_go_to_the_lab_by_themselves(app, make, web, customer):
    product = product_with_code(customer, "Anti-Virus")
    ticket = wizard_ticket(web, [(EXECUTABLE, "found.exe"), (TEXT, "what happened.txt")], type_code="disinfection",
                           product=product, sysinfo=(b"system report", "GSI.zip"))
    sent = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert [s.file_name for s in sent] == ["found.exe", "what happened.txt"]  # the system report stays
    assert {s.customer_id for s in sent} == {customer.id} and {s.product for s in sent} == {
        "Anti-Virus 21.3.10.391"}
    assert file_named(ticket, "GSI.zip").lab_submission_id is None
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "ticket_file.sent_to_lab")) == 2

    web.post(f"/support/requests/{ticket.number}/reply", content_type="multipart/form-data",
             data={"body": "Another one.", "files": (io.BytesIO(b"second sample"), "two.bin")})
    assert file_named(ticket, "two.bin").lab_submission_id is not None  # a later customer file goes too
    run_checks()
    entry = section(staff_client(app, make, "support").get(f"/console/tickets/{ticket.number}").get_data(
        as_text=True), file_named(ticket, "found.exe"))
    assert sent[0].number in entry


def test_automatic_sending_can_be_switched_off(app, make, web, customer):
    app.config["VIRUSLAB_AUTO_SEND_DISINFECTION"] = False
    product = product_with_code(customer)
    wizard_ticket(web, [(EXECUTABLE, "found.exe")], type_code="disinfection", product=product)
    assert submissions_count() == 0


def test_two_clicks_at_once_make_one_lab_request(app, make, web, postgres_only):
    ticket = wizard_ticket(web, [(EXECUTABLE, "invoice.exe")])
    attachment_id = file_named(ticket, "invoice.exe").id
    staff = make.staff("support")
    actor = Actor("staff", staff.id, staff.email, None, staff.role)
    barrier = threading.Barrier(6)
    results, errors = [], []

    def click():
        with app.app_context():
            try:
                attachment = db.session.get(Attachment, attachment_id)
                barrier.wait()
                results.append(lab_link.send_to_lab(actor, attachment).number)
            except ServiceError as error:
                errors.append(error.message)
            finally:
                db.session.remove()

    run_together(click, 6, timeout=60)
    assert len(results) == 1 and len(errors) == 5
    assert all("was sent to the Virus Lab already" in message for message in errors)
    db.session.expire_all()
    assert submissions_count() == 1
    assert file_named(ticket, "invoice.exe").lab_submission.number == results[0]
