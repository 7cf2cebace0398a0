"""Support tickets in the service layer: numbers, the state machine (service and database), the SLA clock,
close-resolved, merge, ratings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.models import Attachment, AuditEvent, Rating, Ticket, TicketEvent, TicketMessage
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support import bulk, correspondence, ratings, staff_actions
from tests.support.helpers import customer_actor, make_ticket, staff_actor

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_numbers_are_per_year_sequential_and_shaped(app, make):
    set_now(T0)
    customer = make.customer()
    first, second = make_ticket(customer), make_ticket(customer)
    assert re.fullmatch(r"TS-2026-\d{6}", first.number)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    set_now(datetime(2027, 1, 1, tzinfo=UTC))
    assert make_ticket(customer).number == "TS-2027-000001"


def test_allowed_transitions_and_refused_ones(app, make):
    staff = make.staff("support")
    actor = staff_actor(staff)
    ticket = make_ticket(make.customer())
    assert ticket.status == "new"
    staff_actions.update_ticket(ticket, actor, {"status": "open"})
    staff_actions.update_ticket(ticket, actor, {"status": "waiting"})
    staff_actions.update_ticket(ticket, actor, {"status": "resolved"})
    staff_actions.update_ticket(ticket, actor, {"status": "closed"})
    with pytest.raises(ServiceError, match="closed cannot become resolved"):
        staff_actions.update_ticket(ticket, actor, {"status": "resolved"})
    with pytest.raises(ServiceError, match="closed cannot become waiting"):
        staff_actions.update_ticket(ticket, actor, {"status": "waiting"})
    db.session.refresh(ticket)
    assert ticket.status == "closed"
    staff_actions.update_ticket(ticket, actor, {"status": "open"})  # staff may reopen at any time
    actions = db.session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)).all()
    assert actions.count("status_changed") == 5
    audited = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(ticket.id))).all()
    assert audited.count("ticket.status_changed") == 5


def test_the_database_refuses_a_state_without_its_timestamp(app, make):
    ticket = make_ticket(make.customer())
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE tickets SET status = 'resolved' WHERE id = :id"), {"id": ticket.id})
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE tickets SET status = 'lost' WHERE id = :id"), {"id": ticket.id})
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):  # merged tickets are closed
        db.session.execute(text("UPDATE tickets SET merged_into_id = id WHERE id = :id"), {"id": ticket.id})
        db.session.flush()
    db.session.rollback()


def test_sla_due_times_and_the_clock_pauses_while_waiting(app, make):
    set_now(T0)
    actor = staff_actor(make.staff("support"))
    ticket = make_ticket(make.customer())
    # presale, normal priority: 8 h first response, 48 h resolution
    assert ticket.first_response_due_at == T0 + timedelta(hours=8)
    assert ticket.resolution_due_at == T0 + timedelta(hours=48)
    staff_actions.update_ticket(ticket, actor, {"priority": "urgent"})
    assert ticket.resolution_due_at == T0 + timedelta(hours=8)
    staff_actions.update_ticket(ticket, actor, {"priority": "normal"})
    set_now(T0 + timedelta(hours=1))
    correspondence.staff_reply(ticket, actor, "Could you send the invoice?", then_status="waiting")
    assert ticket.first_response_at == T0 + timedelta(hours=1)
    assert ticket.waiting_since == T0 + timedelta(hours=1)
    set_now(T0 + timedelta(hours=100))  # long past the due time, but the customer had the ball
    from backoffice.services.support import sla

    assert not sla.is_overdue(ticket, T0 + timedelta(hours=100))
    correspondence.customer_reply(ticket, customer_actor(ticket.customer), "Here it is.")
    db.session.refresh(ticket)
    assert ticket.status == "open" and ticket.waiting_since is None
    assert ticket.paused_seconds == 99 * 3600
    assert ticket.resolution_due_at == T0 + timedelta(hours=48 + 99)
    assert not sla.is_overdue(ticket, T0 + timedelta(hours=100))
    assert sla.is_overdue(ticket, T0 + timedelta(hours=48 + 99, minutes=1))


def test_customer_reply_reopens_resolved_and_close_resolved_is_idempotent(app, make, runner):
    set_now(T0)
    actor = staff_actor(make.staff("support"))
    late, recent = make_ticket(make.customer()), make_ticket(make.customer())
    staff_actions.update_ticket(late, actor, {"status": "resolved"})
    set_now(T0 + timedelta(days=6))
    staff_actions.update_ticket(recent, actor, {"status": "resolved"})
    set_now(T0 + timedelta(days=8))
    result = runner.invoke(args=["close-resolved"])
    assert result.exit_code == 0, result.output
    assert "closed 1" in result.output
    assert runner.invoke(args=["close-resolved"]).output.count("closed 0") == 1
    db.session.expire_all()
    assert db.session.get(Ticket, late.id).status == "closed"
    assert db.session.get(Ticket, recent.id).status == "resolved"
    correspondence.customer_reply(db.session.get(Ticket, recent.id), customer_actor(recent.customer), "Still broken")
    assert db.session.get(Ticket, recent.id).status == "open"


def test_customer_reopen_window(app, make):
    set_now(T0)
    customer = make.customer()
    ticket = make_ticket(customer)
    correspondence.customer_close(ticket, customer_actor(customer))
    set_now(T0 + timedelta(days=29))
    correspondence.customer_reopen(ticket, customer_actor(customer))
    assert ticket.status == "open"
    correspondence.customer_close(ticket, customer_actor(customer))
    set_now(T0 + timedelta(days=60))
    with pytest.raises(ServiceError, match="too long ago"):
        correspondence.customer_reopen(ticket, customer_actor(customer))
    with pytest.raises(ServiceError, match="closed"):
        correspondence.customer_reply(ticket, customer_actor(customer), "hello?")


def test_merge_moves_thread_and_files_and_tells_the_customer(smtp, app, make):
    from backoffice.mail import deliver_due
    from backoffice.services.support.access import customer_ticket

    customer = make.customer()
    actor = staff_actor(make.staff("support"))
    keep, duplicate = make_ticket(customer, subject="First one"), make_ticket(customer, subject="Same again")
    db.session.add(Attachment(ticket_id=duplicate.id, sha256="a" * 64, filename="log.txt", size=3, source="ftp"))
    db.session.commit()
    with pytest.raises(ServiceError, match="two different customers"):
        bulk.merge(duplicate, make_ticket(make.customer()).number, actor)
    with pytest.raises(ServiceError, match="itself"):
        bulk.merge(duplicate, duplicate.number, actor)
    bulk.merge(duplicate, keep.number, actor)
    db.session.expire_all()
    duplicate = db.session.get(Ticket, duplicate.id)
    assert duplicate.status == "closed" and duplicate.merged_into_id == keep.id
    assert db.session.scalar(select(TicketMessage).where(TicketMessage.ticket_id == duplicate.id)) is None
    assert len(correspondence.thread(keep, include_notes=True)) == 2
    assert db.session.scalar(select(Attachment).where(Attachment.filename == "log.txt")).ticket_id == keep.id
    assert customer_ticket(customer.id, duplicate.number).id == keep.id  # the old number leads on
    with pytest.raises(ServiceError, match="merged"):
        staff_actions.update_ticket(duplicate, actor, {"status": "open"})
    deliver_due()
    assert any(duplicate.number in m["Subject"] and keep.number in m["Subject"] for m in smtp.messages)


def test_bulk_changes_each_ticket_and_reports_refusals(app, make):
    support = make.staff("support")
    actor = staff_actor(make.staff("admin"))
    tickets = [make_ticket(make.customer()) for _ in range(3)]
    staff_actions.update_ticket(tickets[2], actor, {"status": "closed"})
    result = bulk.bulk_update([t.id for t in tickets], actor, {"status": "waiting", "assignee_id": str(support.id)})
    assert sorted(result.changed) == sorted(t.number for t in tickets[:2])
    assert result.refused and result.refused[0][0] == tickets[2].number
    db.session.expire_all()
    assert [db.session.get(Ticket, t.id).status for t in tickets] == ["waiting", "waiting", "closed"]
    assert db.session.get(Ticket, tickets[2].id).assignee_id is None  # a refused ticket keeps everything
    with pytest.raises(ServiceError):
        bulk.bulk_update([], actor, {"status": "open"})
    refused = bulk.bulk_update([tickets[0].id], actor, {"assignee_id": str(make.staff("analyst").id)}).refused
    assert refused == [(tickets[0].number, "Choose an active support engineer or admin.")]


def test_ratings_only_after_resolve_and_per_engineer(app, make):
    engineer = make.staff("support")
    actor = staff_actor(engineer)
    customer = make.customer()
    ticket = make_ticket(customer)
    with pytest.raises(ServiceError, match="once it is resolved"):
        ratings.rate(ticket, "good", "", customer_actor(customer))
    staff_actions.claim(ticket, actor)
    staff_actions.update_ticket(ticket, actor, {"status": "resolved"})
    token = ratings.rating_token(ticket)
    assert ratings.ticket_from_token(token).id == ticket.id
    ratings.rate(ticket, "bad", "slow", Actor("anonymous"))
    ratings.rate(ticket, "good", "fixed after all", customer_actor(customer))
    assert db.session.scalar(select(Rating).where(Rating.ticket_id == ticket.id)).score == "good"
    assert ratings.by_engineer() == [{"label": engineer.email, "total": 1, "good": 1, "bad": 0, "share": 1.0}]
    assert ratings.by_queue()[0]["label"] == "Pre-sale question"
