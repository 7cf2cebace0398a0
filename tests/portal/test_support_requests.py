"""Your requests (FAQ §13) over HTTP: list, thread without internal notes, reply with files, downloads, close,
reopen, ratings, merged numbers, and 404 for anything of another customer."""

from __future__ import annotations

import io

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import Attachment, Rating
from backoffice.services.support import bulk, correspondence, ratings, staff_actions
from backoffice.services.support.attachments import Upload
from tests.support.helpers import make_ticket, staff_actor


def test_list_and_thread_show_public_replies_only(app, make, sign_in_customer):
    customer = make.customer()
    ticket = make_ticket(customer, subject="Where is my invoice?")
    actor = staff_actor(make.staff("support"))
    correspondence.staff_reply(ticket, actor, "Secret: customer is a reseller", internal=True,
                               uploads=[Upload(io.BytesIO(b"internal"), "internal.txt")])
    correspondence.staff_reply(ticket, actor, "We sent it again.", then_status="waiting")
    web = sign_in_customer(app.test_client(), customer)
    listing = web.get("/support/").get_data(as_text=True)
    assert ticket.number in listing and "Where is my invoice?" in listing and "Waiting for customer" in listing
    page = web.get(f"/support/requests/{ticket.number}").get_data(as_text=True)
    assert "We sent it again." in page
    assert "reseller" not in page and "internal.txt" not in page
    note_file = db.session.scalar(select(Attachment).where(Attachment.filename == "internal.txt"))
    assert web.get(f"/support/requests/{ticket.number}/files/{note_file.id}").status_code == 404


def test_reply_with_a_file_reopens_and_downloads_are_attachments(app, make, sign_in_customer):
    customer = make.customer()
    ticket = make_ticket(customer)
    staff_actions.update_ticket(ticket, staff_actor(make.staff("support")), {"status": "waiting"})
    web = sign_in_customer(app.test_client(), customer)
    response = web.post(f"/support/requests/{ticket.number}/reply", data={
        "body": "Here is the log.", "files": (io.BytesIO(b"<script>alert(1)</script>"), "log.html")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "open"
    empty = web.post(f"/support/requests/{ticket.number}/reply", data={"body": "  "})
    assert empty.status_code == 422 and "Write a message or attach a file." in empty.get_data(as_text=True)
    file = db.session.scalar(select(Attachment).where(Attachment.filename == "log.html"))
    download = web.get(f"/support/requests/{ticket.number}/files/{file.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.data == b"<script>alert(1)</script>"


def test_another_customers_request_and_files_answer_404(app, make, sign_in_customer):
    owner, other = make.customer(), make.customer()
    ticket = make_ticket(owner)
    correspondence.customer_reply(ticket, _actor(owner), "more",
                                  uploads=[Upload(io.BytesIO(b"private"), "private.txt")])
    file = db.session.scalar(select(Attachment).where(Attachment.filename == "private.txt"))
    web = sign_in_customer(app.test_client(), other)
    number = ticket.number
    assert web.get(f"/support/requests/{number}").status_code == 404
    assert web.get(f"/support/requests/{number}/files/{file.id}").status_code == 404
    assert web.get("/support/requests/TS-2026-999999").status_code == 404
    assert web.post(f"/support/requests/{number}/reply", data={"body": "hi"}).status_code == 404
    assert web.post(f"/support/requests/{number}/close").status_code == 404
    mine = make_ticket(other)
    assert web.get(f"/support/requests/{mine.number}/files/{file.id}").status_code == 404  # file of another
    assert app.test_client().get(f"/support/requests/{number}").status_code == 302  # anonymous: sign in


def _actor(customer):
    from tests.support.helpers import customer_actor

    return customer_actor(customer)


def test_close_and_reopen_from_the_portal(app, make, sign_in_customer):
    customer = make.customer()
    ticket = make_ticket(customer)
    web = sign_in_customer(app.test_client(), customer)
    web.post(f"/support/requests/{ticket.number}/close")
    db.session.refresh(ticket)
    assert ticket.status == "closed"
    assert "Reopen this request" in web.get(f"/support/requests/{ticket.number}").get_data(as_text=True)
    web.post(f"/support/requests/{ticket.number}/reopen")
    db.session.refresh(ticket)
    assert ticket.status == "open"


def test_staff_reply_is_mailed_and_resolve_mail_link_rates(smtp, app, make, sign_in_customer):
    from backoffice.mail import deliver_due

    customer = make.customer()
    ticket = make_ticket(customer)
    actor = staff_actor(make.staff("support"))
    correspondence.staff_reply(ticket, actor, "Reinstall the product, please.", then_status="resolved")
    deliver_due()
    texts = [smtp.text_of(m) for m in smtp.wait_for(3)]
    assert any("Reinstall the product, please." in t for t in texts)
    link = ratings.rating_url(ticket).replace("http://portal.example.com", "")
    assert any(link in t for t in texts)
    anonymous = app.test_client()
    page = anonymous.get(link + "?score=bad").get_data(as_text=True)
    assert 'value="bad" checked' in page or 'checked value="bad"' in page or "checked" in page
    assert anonymous.post(link, data={"score": "good", "comment": "Thanks"}).status_code == 200
    assert db.session.scalar(select(Rating.score)) == "good"
    assert anonymous.get(link[:-3] + "xyz").status_code == 404
    web = sign_in_customer(app.test_client(), customer)
    web.post(f"/support/requests/{ticket.number}/rate", data={"score": "bad", "comment": "on reflection"})
    assert db.session.scalar(select(Rating.score)) == "bad"


def test_a_merged_number_leads_to_the_surviving_request(app, make, sign_in_customer):
    customer = make.customer()
    keep, duplicate = make_ticket(customer), make_ticket(customer)
    bulk.merge(duplicate, keep.number, staff_actor(make.staff("support")))
    web = sign_in_customer(app.test_client(), customer)
    response = web.get(f"/support/requests/{duplicate.number}")
    assert response.status_code == 302 and response.location.endswith(f"/support/requests/{keep.number}")
    assert "was joined with request" in web.get(response.location).get_data(as_text=True)
    assert duplicate.number not in web.get("/support/").get_data(as_text=True)


def test_a_text_value_where_a_file_belongs_is_no_file(app, make, sign_in_customer):
    customer = make.customer()
    ticket = make_ticket(customer)
    web = sign_in_customer(app.test_client(), customer)
    response = web.post(f"/support/requests/{ticket.number}/reply", data={"body": "hello", "files": "not a file"})
    assert response.status_code == 302
    assert "hello" in web.get(f"/support/requests/{ticket.number}").get_data(as_text=True)
