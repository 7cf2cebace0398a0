"""The transactional outbox: mail exists exactly when its change commits, and reaches a real SMTP server once,
through outages, dead workers and several workers at a time. Delivery is a job kind (`mail.send`): these tests
also prove the job queue's claim, backoff, lease and give-up rules through it."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.jobs import queue
from backoffice.mail import deliver_due, queue_mail
from backoffice.models import AuditEvent, Job, JobState, OutboxMessage, OutboxStatus, StaffUser
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services import staff as staff_service
from tests.factories import PASSWORD
from tests.races import run_together
from tests.smtp import SilentServer, SmtpSink, free_port

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ACTOR = Actor("anonymous", ip="192.0.2.7")


def _queue(to="someone@example.com", subject="Account locked", **context):
    context.setdefault("name", "Someone")
    context.setdefault("failures", 3)
    return queue_mail(to, subject, "staff_locked", **context)


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_message_queued_with_a_rolled_back_change_is_never_sent(smtp, app, make):
    staff = make.staff("support", name="Before")
    staff.name = "After"
    _queue(staff.email)
    db.session.rollback()

    assert _outbox() == []
    assert deliver_due().attempted == 0
    assert smtp.messages == []
    assert db.session.get(StaffUser, staff.id).name == "Before"


def test_a_message_committed_with_its_change_is_delivered_with_text_and_html(smtp, app, make):
    staff = make.staff("support", name="Grace Hopper")
    staff.name = "Grace B. Hopper"
    _queue(staff.email, name=staff.name)
    db.session.commit()

    report = deliver_due()

    assert len(report.done) == 1 and report.retrying == report.failed == []
    [email] = smtp.messages
    assert email["To"] == staff.email
    assert email["Subject"] == "Account locked"
    assert email["From"] == app.config["MAIL_FROM"]
    assert email.is_multipart()
    assert "Hello Grace B. Hopper" in email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "<p>Hello Grace B. Hopper,</p>" in html
    assert 'href="http://portal.example.com/console/login"' in html
    [row] = _outbox()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 1, None)
    assert row.sent_at is not None
    assert deliver_due().attempted == 0  # sent means done
    assert len(smtp.messages) == 1


def test_smtp_down_keeps_the_message_with_backoff_then_delivers_it_exactly_once(smtp, app):
    set_now(BASE)
    _queue("patient@example.com")
    db.session.commit()
    smtp.stop()

    report = deliver_due()

    assert len(report.retrying) == 1 and report.done == []
    [row] = _outbox()
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at == BASE + timedelta(seconds=app.config["MAIL_RETRY_BASE_SECONDS"])
    assert (row.job.state, row.job.lease_token) == (JobState.QUEUED, None)

    smtp.start()  # the server is back on the same port
    assert deliver_due().attempted == 0  # not due before its backoff ends
    set_now(row.next_attempt_at)
    assert len(deliver_due().done) == 1
    set_now(BASE + timedelta(hours=1))
    assert deliver_due().attempted == 0

    assert [m["To"] for m in smtp.messages] == ["patient@example.com"]
    [row] = _outbox()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.SENT, 2, None)


@pytest.fixture
def unreachable_smtp(app_config):
    app_config.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port(), "MAIL_MAX_ATTEMPTS": 3,
                       "MAIL_RETRY_BASE_SECONDS": 10})


def test_backoff_doubles_and_gives_up_after_the_last_attempt(unreachable_smtp, app):
    set_now(BASE)
    _queue("nobody-listens@example.com")
    db.session.commit()
    waits = []
    for _ in range(3):
        now = _outbox()[0].next_attempt_at
        set_now(now)
        deliver_due()
        row = _outbox()[0]
        if row.status == OutboxStatus.QUEUED:
            waits.append((row.next_attempt_at - now).total_seconds())
    assert waits == [10, 20]
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == 3
    assert "ConnectionRefusedError" in row.last_error
    set_now(BASE + timedelta(days=30))
    assert deliver_due().attempted == 0  # failed stays failed until an admin retries it


def test_a_message_that_cannot_be_built_fails_alone(smtp, app):
    _queue("first@example.com", subject="Broken", headers={"X-Injected": "a\r\nBcc: victim@example.com"})
    _queue("second@example.com", subject="Fine")
    db.session.commit()

    report = deliver_due()

    broken, fine = _outbox()
    assert report.failed == [broken.job_id] and report.done == [fine.job_id]
    assert broken.status == OutboxStatus.FAILED and "ValueError" in broken.last_error
    assert [m["Subject"] for m in smtp.messages] == ["Fine"]


def test_a_permanent_refusal_fails_at_once_and_the_batch_goes_on(smtp, app):
    smtp.reject("gone@example.com")
    _queue("gone@example.com", subject="To nobody")
    _queue("here@example.com", subject="To somebody")
    db.session.commit()

    report = deliver_due()

    gone, here = _outbox()
    assert report.failed == [gone.job_id] and report.done == [here.job_id]
    assert (gone.status, gone.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in gone.last_error and "No such mailbox" in gone.last_error
    assert [m["To"] for m in smtp.messages] == ["here@example.com"]


@pytest.fixture
def hanging_smtp(app_config):
    server = SilentServer()
    app_config.update({"SMTP_HOST": server.host, "SMTP_PORT": server.port, "SMTP_TIMEOUT_SECONDS": 0.3})
    yield server
    server.stop()


def test_a_hanging_server_is_waited_for_once_per_batch(hanging_smtp, app):
    set_now(BASE)
    for number in range(4):
        _queue(f"reader{number}@example.com")
    db.session.commit()

    report = deliver_due()

    assert len(report.retrying) == 4 and report.done == []
    assert len(hanging_smtp.connections) == 1  # not one timeout per message: the claims would lapse first
    rows = _outbox()
    assert {row.status for row in rows} == {OutboxStatus.QUEUED}
    assert all("timed out" in row.last_error for row in rows)


def test_a_lapsed_claim_of_a_dead_worker_is_taken_over_and_its_late_outcome_ignored(smtp, app):
    set_now(BASE)
    _queue("orphan@example.com")
    db.session.commit()
    [dead_claim] = queue.claim(10)  # a worker claims the message's job, then dies before sending

    assert deliver_due().attempted == 0  # the lease is still held
    assert _outbox()[0].job.state == JobState.RUNNING

    set_now(BASE + timedelta(seconds=app.config["MAIL_CLAIM_SECONDS"] + 1))
    assert deliver_due().done == [dead_claim.job_id]

    assert queue.fail(dead_claim, "late") is None  # the dead worker wakes up: its outcome is refused
    assert queue.complete(dead_claim) is False
    db.session.commit()
    [row] = _outbox()
    assert (row.status, row.last_error, row.attempts) == (OutboxStatus.SENT, None, 2)
    assert row.job.state == JobState.DONE
    assert len(smtp.messages) == 1


def test_several_workers_never_send_one_message_twice(smtp, app, postgres_only):
    for number in range(200):
        _queue(f"reader{number}@example.com", subject=f"Message {number}")
    db.session.commit()
    errors = []

    def worker():
        try:
            with app.app_context():
                while deliver_due(limit=10).attempted:
                    pass
                db.session.remove()
        except Exception as error:  # surfaced in the main thread below
            errors.append(error)

    run_together(worker, 4, timeout=60)

    assert errors == []
    subjects = sorted(m["Subject"] for m in smtp.wait_for(200))
    assert subjects == sorted(f"Message {n}" for n in range(200))  # each exactly once
    assert db.session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.SENT)) == 200
    assert db.session.scalar(select(func.max(Job.attempts))) == 1


def test_without_an_smtp_host_the_message_goes_to_the_log(app, caplog):
    assert not app.config["SMTP_HOST"]
    _queue("developer@example.com", name="Dev")
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="backoffice.mail"):
        report = deliver_due()

    assert len(report.done) == 1
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "To: developer@example.com" in logged
    assert "Hello Dev" in logged
    assert "http://portal.example.com/console/login" in logged
    assert _outbox()[0].status == OutboxStatus.SENT


def _fail_logins(staff_email: str, times: int) -> None:
    for _ in range(times):
        try:
            staff_service.authenticate(staff_email, "wrong password", ACTOR)
        except ServiceError:
            pass
        else:
            raise AssertionError("a wrong password signed in")


@pytest.fixture
def lockout_after_3(app_config):
    app_config["STAFF_LOCKOUT_FAILURES"] = 3


def test_a_locked_out_staff_member_gets_one_notice_by_mail(lockout_after_3, smtp, app, make):
    staff = make.staff("support", name="Linus Locked")
    _fail_logins(staff.email, 2)
    assert _outbox() == []  # not yet
    _fail_logins(staff.email, 3)  # the third locks; later ones change nothing

    [row] = _outbox()
    assert (row.to_addr, row.template) == (staff.email, "staff_locked")
    deliver_due()
    [email] = smtp.messages
    assert email["To"] == staff.email
    assert email["Subject"] == "Your console account has been locked"
    text = SmtpSink.text_of(email)
    assert "Hello Linus Locked" in text and "after 3 failed sign-in attempts" in text
    assert "192.0.2.7" in text
    db.session.expire_all()
    staff = db.session.get(StaffUser, staff.id)
    assert staff.is_active is False and staff.failed_logins == 3
    locked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.locked_out")).all()
    assert len(locked) == 1 and locked[0].object_id == str(staff.id)
    with pytest.raises(ServiceError, match="Invalid e-mail or password"):  # even the right password
        staff_service.authenticate(staff.email, PASSWORD, ACTOR)


def test_concurrent_failed_logins_all_count_and_lock_once(lockout_after_3, smtp, app, postgres_only, make):
    staff = make.staff("analyst")
    staff_id, email = staff.id, staff.email
    barrier = threading.Barrier(6)
    errors = []

    def attempt():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                _fail_logins(email, 1)
                db.session.remove()
        except Exception as error:  # surfaced in the main thread below
            errors.append(error)

    run_together(attempt, 6, timeout=60)

    assert errors == []
    db.session.expire_all()
    staff = db.session.get(StaffUser, staff_id)
    assert staff.is_active is False
    assert staff.failed_logins == 3  # counted in the database; failures after the lock are not counted
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "staff.locked_out")) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "staff.login_failed")) == 6
    assert [m.to_addr for m in _outbox()] == [email]
