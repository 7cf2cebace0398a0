"""The console's side of incoming mail: the review list with its two decisions, the incoming mail list and its
.eml download, the sender checks shown; support staff only."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, TicketMessage
from backoffice.models.inbound_mail import InboundOutcome
from backoffice.services.support.reply_address import reply_address
from tests.console.visible_text import machine_words
from tests.factories import PASSWORD
from tests.mail_intake import messages
from tests.support.helpers import make_ticket

REVIEW = "/console/incoming-mail/review/"


def spoofed(make, intake):
    victim, other = make.customer(), make.customer(email="colleague@client.example.net")
    ticket = make_ticket(victim)
    mail = messages.outlook_reply(other.email, reply_address(ticket.id), "RE: x", "I work with Ann; same problem.",
                                  auth=messages.auth_header(dmarc="pass"))
    return ticket, intake.deliver(mail)


def sign_in(make, console, role="support"):
    staff = make.staff(role)
    console.login(staff.email, PASSWORD)
    return staff


def thread_length(ticket) -> int:
    return db.session.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket.id))


def test_the_review_list_shows_what_waits_and_why(app, make, intake, client, console):
    ticket, inbound = spoofed(make, intake)
    sign_in(make, console)
    page = client.get(REVIEW)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<title>Mail to review" in html
    assert "colleague@client.example.net" in html and ticket.number in html
    assert "is not that request&#39;s customer" in html or "is not that request's customer" in html
    assert "SPF pass · DKIM pass · DMARC pass" in html
    assert f'<label for="number-{inbound.id}"' in html and f'value="{ticket.number}"' in html


def test_adding_it_to_the_request_puts_it_in_the_thread_labelled_with_its_sender(app, make, intake, client,
                                                                                    console):
    ticket, inbound = spoofed(make, intake)
    staff = sign_in(make, console)
    response = client.post(f"/console/incoming-mail/{inbound.id}/attach", data={"number": ticket.number},
                           follow_redirects=True)
    assert "was added to" in response.get_data(as_text=True)
    db.session.expire_all()
    last = db.session.scalars(select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id.desc())).first()
    assert last.body == "I work with Ann; same problem."
    assert last.author_label.startswith("colleague@client.example.net (e-mail, added by")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mail.attached")).actor_id == staff.id
    again = client.post(f"/console/incoming-mail/{inbound.id}/attach", data={"number": ticket.number},
                        follow_redirects=True)
    assert "no longer waiting for review" in again.get_data(as_text=True)
    assert thread_length(ticket) == 2


def test_a_wrong_number_is_said_and_changes_nothing(app, make, intake, client, console):
    ticket, inbound = spoofed(make, intake)
    sign_in(make, console)
    for number in ("TS-1999-000001", "not a number\x00", ""):
        response = client.post(f"/console/incoming-mail/{inbound.id}/attach", data={"number": number},
                               follow_redirects=True)
        assert response.status_code == 200
        assert "There is no request with this number." in response.get_data(as_text=True)
    assert thread_length(ticket) == 1


def test_throwing_it_away_asks_first(app, make, intake, client, console):
    ticket, inbound = spoofed(make, intake)
    sign_in(make, console)
    asked = client.post(f"/console/incoming-mail/{inbound.id}/discard")
    assert "Throw away the message from colleague@client.example.net?" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(inbound), inbound.id).outcome == "needs_review"
    done = client.post(f"/console/incoming-mail/{inbound.id}/discard", data={"confirmed": "yes"},
                       follow_redirects=True)
    assert "was thrown away" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(inbound), inbound.id).outcome == "discarded"
    assert "No message is waiting for review." in client.get(REVIEW).get_data(as_text=True)
    assert thread_length(ticket) == 1


def test_the_original_downloads_as_eml_and_the_list_speaks_plainly(app, make, intake, client, console):
    _, inbound = spoofed(make, intake)
    sign_in(make, console)
    download = client.get(f"/console/incoming-mail/{inbound.id}/original")
    assert download.status_code == 200 and download.mimetype == "message/rfc822"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert b"I work with Ann; same problem." in download.data
    raw_values = {outcome.value for outcome in InboundOutcome} | {"imap", "smtp", "lmtp"}
    for url in ("/console/incoming-mail/", f"/console/incoming-mail/details/?id={inbound.id}", REVIEW):
        assert machine_words(client.get(url).get_data(as_text=True), raw_values) == [], url
    assert "Waiting for review" in client.get("/console/incoming-mail/").get_data(as_text=True)
    details = client.get(f"/console/incoming-mail/details/?id={inbound.id}").get_data(as_text=True)
    assert "SPF pass · DKIM pass · DMARC pass" in details and "Download the original e-mail (.eml)" in details


def test_only_support_staff_see_incoming_mail(app, make, intake, client, console):
    _, inbound = spoofed(make, intake)
    assert client.get(REVIEW).status_code == 302  # to the console login
    sign_in(make, console, role="analyst")
    for url in (REVIEW, "/console/incoming-mail/", f"/console/incoming-mail/{inbound.id}/original"):
        assert client.get(url).status_code == 403
    assert client.post(f"/console/incoming-mail/{inbound.id}/discard", data={"confirmed": "yes"}).status_code == 403


def test_the_ticket_page_marks_messages_that_came_by_mail(app, make, intake, client, console):
    customer = make.customer()
    ticket = make_ticket(customer)
    inbound = intake.deliver(messages.gmail_reply(customer.email, reply_address(ticket.id), "Re: x", "By mail.",
                                                  auth=messages.auth_header(spf="pass", dkim="pass", dmarc="pass")))
    sign_in(make, console)
    html = client.get(f"/console/tickets/{ticket.number}").get_data(as_text=True)
    assert "by e-mail (SPF pass · DKIM pass · DMARC pass)" in html
    assert f'href="/console/incoming-mail/{inbound.id}/original"' in html
    assert html.count("by e-mail (") == 1  # the wizard's first message is not


def test_a_bouncing_address_is_shown_on_the_customer(app, make, intake, client, console):
    customer = make.customer(email="gone@client.example.net")
    intake.deliver(messages.delivery_report("<unknown-1@example.com>", customer.email))
    sign_in(make, console)
    html = client.get(f"/console/customers/details/?id={customer.id}").get_data(as_text=True)
    assert 'id="customer-email-bouncing">Address bouncing' in html and "5.1.1" in html
    other = make.customer()
    assert "Address bouncing" not in client.get(f"/console/customers/details/?id={other.id}").get_data(as_text=True)


def test_a_message_whose_original_is_gone_is_said_not_a_500(app, make, intake, client, console):
    from backoffice.storage import blob_path

    ticket, inbound = spoofed(make, intake)
    blob_path(inbound.raw_sha256).unlink()
    sign_in(make, console)
    response = client.post(f"/console/incoming-mail/{inbound.id}/attach", data={"number": ticket.number},
                           follow_redirects=True)
    assert response.status_code == 200 and "missing from the store" in response.get_data(as_text=True)
    assert client.get(f"/console/incoming-mail/{inbound.id}/original").status_code == 404
    assert thread_length(ticket) == 1
