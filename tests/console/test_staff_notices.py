"""Staff notification mails: a new ticket in a queue I work, the customer wrote on my ticket, a ticket assigned
to me. Each is on until switched off on the profile page, queued with the change (a refused change mails
nobody), never sent to the person who made the change or to a locked account, and reaches a real SMTP server as a
whole, threaded message linking to the ticket in the console."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.mail import deliver_due
from backoffice.models import (
    AuditEvent,
    OutboxMessage,
    StaffNoticeOptOut,
    StaffQueue,
    StaffUser,
    SupportRequestType,
)
from backoffice.services import ServiceError
from backoffice.services.support import correspondence, staff_actions, staff_notices
from backoffice.services.support.reply_address import mail_domain
from tests.factories import PASSWORD
from tests.mail_checks import assert_well_formed
from tests.races import run_together
from tests.support.helpers import customer_actor, make_ticket, staff_actor


def _signed_in(make, console, role: str = "support", **fields):
    staff = make.staff(role, **fields)
    assert console.login(staff.email, PASSWORD).status_code == 302
    return staff


def _works(staff, code: str = "presale") -> None:
    kind = db.session.scalar(select(SupportRequestType).where(SupportRequestType.code == code))
    db.session.add(StaffQueue(staff_id=staff.id, request_type_id=kind.id))
    db.session.commit()


def _switch_off(staff, *notices: str) -> None:
    db.session.add_all(StaffNoticeOptOut(staff_id=staff.id, notice=notice) for notice in notices)
    db.session.commit()


def _mails_to(address: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addr == address)
                                   .order_by(OutboxMessage.id)))


def _off(staff) -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(StaffNoticeOptOut.notice).where(StaffNoticeOptOut.staff_id == staff.id)))


def _checked(page: str, notice: str) -> bool:
    match = re.search(rf'name="notices" value="{notice}" id="notice-{notice}"\s*(checked)?>', page)
    assert match, f"no switch for {notice}"
    return match.group(1) is not None


def test_every_switch_is_on_until_switched_off_on_the_profile_page(make, console, client):
    staff = _signed_in(make, console, name="Sam Support")
    page = client.get("/console/profile/").get_data(as_text=True)
    assert "Notification mails" in page
    assert '<button type="submit" class="btn btn-outline-primary">Save my notifications' in page
    assert ('<label class="form-check-label" for="notice-new_ticket">'
            'A new ticket arrives in one of the queues I work') in page
    assert all(_checked(page, n) for n in ("new_ticket", "customer_replied", "assigned"))

    saved = client.post("/console/profile/notices", data={"notices": ["assigned"]})

    assert saved.status_code == 302 and saved.headers["Location"] == "/console/profile/#notices"
    assert _off(staff) == {"new_ticket", "customer_replied"}
    page = client.get("/console/profile/").get_data(as_text=True)
    assert "Your notifications are saved." in page
    assert (_checked(page, "new_ticket"), _checked(page, "customer_replied"), _checked(page, "assigned")) == (
        False, False, True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "staff.notices_updated"))
    assert event.actor_id == staff.id and event.object_id == str(staff.id)
    assert event.before == {"on": "new tickets in my queues, customer replies on my tickets, tickets assigned to me"}
    assert event.after == {"on": "tickets assigned to me"}

    client.post("/console/profile/notices", data={"notices": ["assigned"]})
    assert "Nothing changed." in client.get("/console/profile/").get_data(as_text=True)
    client.post("/console/profile/notices", data={"notices": ["assigned", "new_ticket", "customer_replied"]})
    assert _off(staff) == set()  # on again


def test_a_forged_switch_is_refused_beside_the_switches_and_nothing_is_written(make, console, client):
    staff = _signed_in(make, console, "admin", name="Ada Admin")
    page = client.get("/console/profile/").get_data(as_text=True)
    assert 'id="notice-new_ticket"' not in page  # an admin works no queues: two switches, not three
    assert _checked(page, "customer_replied") and _checked(page, "assigned")

    refused = client.post("/console/profile/notices", data={"notices": ["assigned", "new_ticket"]})

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert '<div class="invalid-feedback d-block" id="notices-error">Choose notifications from the list.</div>' in page
    assert 'aria-describedby="notices-error"' in page
    assert _off(staff) == set()


def test_an_analyst_has_no_ticket_notifications(make, console, client):
    _signed_in(make, console, "analyst")
    assert "Notification mails" not in client.get("/console/profile/").get_data(as_text=True)


def test_a_new_ticket_mails_the_active_engineers_of_its_queue_who_want_it(smtp, app, make):
    wanting = make.staff("support", name="Wanda Wants")
    switched_off = make.staff("support")
    other_queue = make.staff("support")
    locked = make.staff("support", is_active=False)
    for staff in (wanting, switched_off, locked):
        _works(staff, "presale")
    _works(other_queue, "setup")
    _switch_off(switched_off, "new_ticket")
    customer = make.customer(name="Chris Customer")

    ticket = make_ticket(customer, subject="Price of a licence")

    assert [m.template for m in _mails_to(wanting.email)] == ["staff_new_ticket"]
    assert all(_mails_to(s.email) == [] for s in (switched_off, other_queue, locked))
    deliver_due()
    [notice] = [m for m in smtp.wait_for(2) if m["To"] == wanting.email]
    assert notice["Subject"] == f"[{ticket.number}] New request in Pre-sale question: Price of a licence"
    assert_well_formed(notice, mail_domain())
    text = notice.get_body(("plain",)).get_content()
    assert "Hello Wanda Wants" in text and "From: Chris Customer" in text
    assert f"http://portal.example.com/console/tickets/{ticket.number}" in text
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Reply-To"] is None  # not the customer's reply address: answering happens in the console


def test_the_assignee_hears_of_a_customer_reply_unless_switched_off_or_locked(app, make):
    engineer = make.staff("support")
    customer = make.customer(name="Chris Customer")
    ticket = make_ticket(customer)
    staff_actions.update_ticket(ticket, staff_actor(make.staff("admin")), {"assignee_id": engineer.id})

    correspondence.customer_reply(ticket, customer_actor(customer), "It still does not start.")

    replied = [m for m in _mails_to(engineer.email) if m.template == "staff_customer_replied"]
    assert len(replied) == 1 and "It still does not start." in replied[0].body_text
    assert replied[0].ticket_id == ticket.id
    # its thread is the engineer's own: after the assignment notice, never into the customer's mails
    assigned = _mails_to(engineer.email)[0]
    assert replied[0].headers["In-Reply-To"] == assigned.message_id

    _switch_off(engineer, "customer_replied")
    correspondence.customer_reply(ticket, customer_actor(customer), "Hello?")
    engineer.is_active = False
    db.session.commit()
    db.session.delete(db.session.get(StaffNoticeOptOut, (engineer.id, "customer_replied")))
    db.session.commit()
    correspondence.customer_reply(ticket, customer_actor(customer), "Anyone?")
    assert len([m for m in _mails_to(engineer.email) if m.template == "staff_customer_replied"]) == 1


def test_a_refused_reply_mails_nobody(app, make):
    engineer = make.staff("support")
    customer = make.customer()
    ticket = make_ticket(customer)
    staff_actions.update_ticket(ticket, staff_actor(make.staff("admin")), {"assignee_id": engineer.id,
                                                                          "status": "open"})
    staff_actions.update_ticket(ticket, staff_actor(engineer), {"status": "closed"})
    before = len(_mails_to(engineer.email))

    with pytest.raises(ServiceError, match="closed"):
        correspondence.customer_reply(ticket, customer_actor(customer), "One more thing")
    db.session.rollback()

    assert len(_mails_to(engineer.email)) == before


def test_an_assignment_mails_the_assignee_but_not_whoever_assigns_themself(app, make):
    lead = make.staff("admin", name="Lena Lead")
    engineer = make.staff("support")
    ticket = make_ticket(make.customer())

    staff_actions.claim(ticket, staff_actor(engineer))  # taking it oneself: no mail to oneself
    assert _mails_to(engineer.email) == []

    staff_actions.update_ticket(ticket, staff_actor(lead), {"assignee_id": lead.id})
    assert _mails_to(lead.email) == []
    staff_actions.update_ticket(ticket, staff_actor(lead), {"assignee_id": engineer.id})
    [mail] = _mails_to(engineer.email)
    assert mail.template == "staff_assigned" and mail.subject == f"[{ticket.number}] Assigned to you: {ticket.subject}"
    assert "Lena Lead assigned the request" in mail.body_text

    with pytest.raises(ServiceError):  # a change refused after the assignee was set: nothing is mailed
        staff_actions.update_ticket(ticket, staff_actor(lead), {"assignee_id": lead.id, "status": "no-such-state"})
    assert _mails_to(lead.email) == [] and len(_mails_to(engineer.email)) == 1

    _switch_off(engineer, "assigned")
    staff_actions.update_ticket(ticket, staff_actor(lead), {"assignee_id": None})
    staff_actions.update_ticket(ticket, staff_actor(lead), {"assignee_id": engineer.id})
    assert len(_mails_to(engineer.email)) == 1


def test_saves_from_several_tabs_at_once_each_leave_one_whole_choice(app, make, postgres_only):
    staff = make.staff("support")
    staff_id = staff.id
    choices = [["assigned"], ["new_ticket"], ["customer_replied", "assigned"], []]
    barrier = threading.Barrier(len(choices))
    errors, turn = [], iter(choices)

    def save():
        chosen = next(turn)
        try:
            with app.app_context():
                me = db.session.get(StaffUser, staff_id)
                barrier.wait(timeout=10)
                staff_notices.save_switches(me, chosen, staff_actor(me))
                db.session.remove()
        except Exception as error:  # surfaced in the main thread below
            errors.append(error)

    run_together(save, len(choices), timeout=60)

    assert errors == []  # the row lock makes them take turns: none is refused, none fails
    on = {"new_ticket", "customer_replied", "assigned"} - _off(staff)
    assert sorted(on) in [sorted(choice) for choice in choices]  # the last one's choice, whole
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "staff.notices_updated")) >= 1
