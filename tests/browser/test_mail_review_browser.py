"""The review list of incoming mail in Chromium, under the real CSP: it passes axe-core at both widths; "Throw the
message away" asks first (cancel keeps it), "Add to this request" puts the message in the ticket's thread."""

from __future__ import annotations

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import TicketMessage
from backoffice.models.inbound_mail import InboundMessage
from backoffice.services.mail_intake.intake import process
from backoffice.services.mail_intake.receive import receive
from backoffice.services.support.reply_address import reply_address
from tests.browser.conftest import screenshot, serious_accessibility_problems
from tests.factories import PASSWORD
from tests.mail_intake import messages
from tests.support.helpers import make_ticket


def _waiting(make):
    victim, other = make.customer(), make.customer(email="colleague@client.example.net")
    ticket = make_ticket(victim)
    mail = messages.outlook_reply(other.email, reply_address(ticket.id), "RE: x", "Same problem here.",
                                  auth=messages.auth_header())
    inbound = process(receive(messages.wire(mail), "imap").inbound_id)
    return ticket, inbound


def _sign_in(page, live_server, staff) -> None:
    page.goto(f"{live_server}/console/login")
    page.get_by_label("E-mail").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in to the console").click()
    page.wait_for_url(f"{live_server}/console/**")


def test_the_review_list_is_accessible_at_both_widths(live_server, audited_page, make):
    _waiting(make)
    _sign_in(audited_page, live_server, make.staff("support"))
    audited_page.goto(f"{live_server}/console/incoming-mail/review/")
    assert audited_page.title().startswith("Mail to review")
    screenshot(audited_page, f"mail-review-{audited_page.width_name}")
    assert serious_accessibility_problems(audited_page) == []


def test_throwing_away_asks_and_adding_files_it(live_server, page, make):
    ticket, inbound = _waiting(make)
    _sign_in(page, live_server, make.staff("support"))
    page.goto(f"{live_server}/console/incoming-mail/review/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name="Throw the message away").click()
    db.session.expire_all()
    assert db.session.get(InboundMessage, inbound.id).outcome == "needs_review"
    page.get_by_label("Request number").fill(ticket.number)
    page.get_by_role("button", name="Add to this request").click()
    page.wait_for_selector("text=was added to")
    db.session.expire_all()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(TicketMessage.ticket_id == ticket.id)) == 2
