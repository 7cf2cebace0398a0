"""The mail outbox in the console (admins): see what failed and why, retry only a failed message, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.mail import deliver_due, queue_mail
from backoffice.models import AuditEvent, JobState, OutboxMessage, OutboxStatus
from tests.factories import PASSWORD
from tests.races import run_together

JOB_STATES = {OutboxStatus.QUEUED: JobState.QUEUED, OutboxStatus.SENT: JobState.DONE,
              OutboxStatus.FAILED: JobState.FAILED}


def _message(status: str, job_state: str | None = None, **job_fields) -> OutboxMessage:
    """A message in `status`, its delivery job in the matching state with `job_fields` (attempts, last_error...)."""
    message = queue_mail("reader@example.com", f"A {status} message", "staff_locked", name="Reader", failures=2)
    message.status = status
    message.job.state = job_state or JOB_STATES[status]
    for name, value in job_fields.items():
        setattr(message.job, name, value)
    db.session.commit()
    return message


@pytest.fixture
def admin(make, console):
    admin = make.staff("admin")
    console.login(admin.email, PASSWORD)
    return admin


def test_admin_retries_a_failed_message_and_it_is_delivered(smtp, app, admin, client):
    failed = _message(OutboxStatus.FAILED, attempts=8, last_error="SMTPServerDisconnected: gone")
    details = client.get(f"/console/outbox/details/?id={failed.id}").get_data(as_text=True)
    assert "SMTPServerDisconnected: gone" in details
    assert "Retry sending this message" in details

    response = client.post(f"/console/outbox/retry/{failed.id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/console/outbox/details/?id={failed.id}")
    assert f"Message {failed.id} is queued again." in client.get(response.location).get_data(as_text=True)
    db.session.expire_all()
    message = db.session.get(OutboxMessage, failed.id)
    assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 0)
    assert message.next_attempt_at <= utcnow()
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retried")).all()
    assert (event.actor_id, event.object_id) == (admin.id, str(failed.id))
    assert event.before == {"status": "failed", "attempts": 8} and event.after == {"status": "queued"}

    assert deliver_due().done == [failed.job_id]
    assert [m["Subject"] for m in smtp.messages] == ["A failed message"]


def test_only_failed_messages_can_be_retried(admin, client):
    for status, job_state in ((OutboxStatus.QUEUED, JobState.QUEUED), (OutboxStatus.QUEUED, JobState.RUNNING),
                              (OutboxStatus.SENT, JobState.DONE)):
        message = _message(status, job_state, attempts=1)
        details = client.get(f"/console/outbox/details/?id={message.id}").get_data(as_text=True)
        assert "Retry sending this message" not in details

        response = client.post(f"/console/outbox/retry/{message.id}")
        assert response.status_code == 302
        assert "Only a message that failed can be retried." in client.get(response.location).get_data(as_text=True)
        db.session.expire_all()
        message = db.session.get(OutboxMessage, message.id)
        assert (message.status, message.job.state, message.attempts) == (status, job_state, 1)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.retried")) is None


def test_retrying_a_missing_message_is_404(admin, client):
    assert client.post("/console/outbox/retry/424242").status_code == 404


def test_retry_is_post_only(admin, client):
    message = _message(OutboxStatus.FAILED)
    assert client.get(f"/console/outbox/retry/{message.id}").status_code == 405


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_non_admins_cannot_retry(make, console, client, role):
    message = _message(OutboxStatus.FAILED, attempts=8)
    staff = make.staff(role)
    console.login(staff.email, PASSWORD)
    assert client.post(f"/console/outbox/retry/{message.id}").status_code == 403
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.FAILED


def test_anonymous_retry_goes_to_the_login(client, app):
    message = _message(OutboxStatus.FAILED)
    response = client.post(f"/console/outbox/retry/{message.id}")
    assert response.status_code == 302 and "/console/login" in response.location
    assert db.session.get(OutboxMessage, message.id).status == OutboxStatus.FAILED


def test_the_list_filters_by_status_and_searches_by_recipient(admin, client):
    _message(OutboxStatus.FAILED)
    sent = _message(OutboxStatus.SENT)
    sent.to_addr = "other@example.com"
    db.session.commit()
    page = client.get("/console/outbox/").get_data(as_text=True)
    assert "A failed message" in page and "A sent message" in page
    found = client.get("/console/outbox/", query_string={"search": "OTHER@example.com"}).get_data(as_text=True)
    assert "A sent message" in found and "A failed message" not in found


def test_the_details_page_hides_the_lease_token(admin, client):
    message = _message(OutboxStatus.QUEUED, JobState.RUNNING, lease_token="c0ffee00c0ffee00")
    page = client.get(f"/console/outbox/details/?id={message.id}").get_data(as_text=True)
    assert "c0ffee00c0ffee00" not in page


def test_concurrent_retries_of_one_message_count_once(app, postgres_only, make):
    import threading

    from backoffice.security import Actor
    from backoffice.services import ServiceError
    from backoffice.services import outbox as outbox_service

    message_id = _message(OutboxStatus.FAILED, attempts=8).id
    admin = make.staff("admin")
    actor = Actor("staff", admin.id, admin.email)  # read here: the threads must not touch this session
    barrier = threading.Barrier(4)
    outcomes = []

    def retry():
        with app.app_context():
            message = db.session.get(OutboxMessage, message_id)
            barrier.wait(timeout=10)
            try:
                outbox_service.retry(message, actor)
                outcomes.append("retried")
            except ServiceError:
                outcomes.append("refused")
            finally:
                db.session.remove()

    run_together(retry, 4, timeout=30)

    assert sorted(outcomes) == ["refused", "refused", "refused", "retried"]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retried")).all()
    assert len(events) == 1
