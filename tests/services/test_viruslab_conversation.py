"""The conversation on a Virus Lab request: customers reply and add files (analysed again with the rest), analysts
reply (mailed; answers a waiting request) or add notes (never mailed, never shown); a closed request refuses new
messages; a customer and an analyst writing at once both land, and the state follows the last of them."""

from __future__ import annotations

import io
import os
import threading

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from backoffice.extensions import db
from backoffice.models import AuditEvent, Job, LabMessage, LabMessageFile, OutboxMessage, Submission
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.support.attachments import Upload
from backoffice.services.viruslab import conversation
from backoffice.services.viruslab import submissions as service
from backoffice.services.viruslab.analysis import ANALYSE
from tests.portal.mailbox import deliver
from tests.smtp import SmtpSink
from tests.viruslab_analysis import analysed, files_of, request, run_analysis_jobs, stored


def customer_actor(submission: Submission) -> Actor:
    return Actor("customer", submission.customer_id, submission.email)


def analyst_actor(make) -> Actor:
    staff = make.staff("analyst")
    return Actor("staff", staff.id, staff.email, role="analyst")


def fresh(submission: Submission) -> Submission:
    db.session.expire_all()
    return db.session.get(Submission, submission.id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_file_the_customer_adds_is_analysed_again_with_the_rest(app, make):
    analyst = analyst_actor(make)
    submission = analysed(os.urandom(700), "first.bin")
    first_job = submission.analysis_job_id
    service.reply(analyst, submission, "Clean so far; send the installer too.")
    assert fresh(submission).state == "answered"

    message = conversation.customer_reply(fresh(submission), customer_actor(submission), "Here it is.",
                                          [Upload(io.BytesIO(os.urandom(900)), "C:\\Downloads\\setup.exe")])
    [added] = db.session.scalars(select(LabMessageFile)).all()
    assert (added.message_id, added.name) == (message.id, "setup.exe")
    submission = fresh(submission)
    assert submission.state == "received" and submission.analysis_job_id != first_job
    assert db.session.get(Job, submission.analysis_job_id).kind == ANALYSE
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "viruslab.customer_replied"))
    assert event.before == {"state": "answered"} and event.after["samples"] == added.sample.sha256

    assert run_analysis_jobs() == 1
    submission = fresh(submission)
    assert set(files_of(submission)) == {"first.bin", "setup.exe"}
    assert submission.state == "waiting"


def test_a_reply_without_files_puts_an_answered_request_back_with_the_analysts(app, make):
    submission = analysed(os.urandom(500))
    service.reply(analyst_actor(make), submission, "Nothing found.")
    jobs = count(Job)
    conversation.customer_reply(fresh(submission), customer_actor(submission), "But it keeps coming back!", [])
    submission = fresh(submission)
    assert submission.state == "waiting"
    assert count(Job) == jobs  # nothing new to analyse
    assert [(m.author_kind, m.body) for m in conversation.thread(submission, include_notes=False)] == [
        ("staff", "Nothing found."), ("customer", "But it keeps coming back!")]


def test_a_public_reply_is_mailed_and_a_note_is_not(smtp, app, make):
    analyst = analyst_actor(make)
    submission = analysed(os.urandom(500))
    deliver(smtp)  # the confirmation of receipt
    conversation.staff_reply(submission, analyst, "Looks like a packer: checking by hand.", internal=True)
    assert fresh(submission).state == "waiting"  # a note answers nothing
    conversation.staff_reply(fresh(submission), analyst, "The file is clean.")
    submission = fresh(submission)
    assert submission.state == "answered" and submission.answered_at is not None
    assert submission.assignee_id == analyst.id  # whoever answers an unclaimed request takes it

    [mail] = deliver(smtp)
    body = SmtpSink.text_of(mail)
    assert mail["To"] == submission.email and submission.number in mail["Subject"]
    assert "The file is clean." in body and "packer" not in body
    assert f"/viruslab/{submission.number}" in body
    assert [m.kind for m in conversation.thread(submission, include_notes=True)] == ["note", "reply"]
    assert [m.body for m in conversation.thread(submission, include_notes=False)] == ["The file is clean."]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"viruslab.note_added", "viruslab.staff_replied"} <= actions


def test_a_reply_while_files_are_being_analysed_leaves_the_request_in_analysis(app, make):
    customer = make.customer()
    submission = service.create_submission(Actor.system(), customer, request("a.bin"), stored(os.urandom(300)))
    conversation.staff_reply(submission, analyst_actor(make), "We have your file; results soon.")
    assert fresh(submission).state == "received"
    run_analysis_jobs()
    assert fresh(submission).state == "waiting"  # the analysis still ran, and the request waits for a verdict


def test_a_closed_request_refuses_new_messages_and_writes_nothing(app, make):
    analyst = analyst_actor(make)
    submission = analysed(os.urandom(500))
    service.close(analyst, submission)
    before = (count(LabMessage), count(LabMessageFile), count(Job), count(OutboxMessage))
    with pytest.raises(ServiceError, match="This request is closed") as refused:
        conversation.customer_reply(fresh(submission), customer_actor(submission), "Hello?",
                                    [Upload(io.BytesIO(b"more"), "more.bin")])
    assert refused.value.field == "body"
    db.session.rollback()
    for internal in (False, True):
        with pytest.raises(ServiceError, match="This request is closed"):
            conversation.staff_reply(fresh(submission), analyst, "Late answer", internal=internal)
        db.session.rollback()
    assert (count(LabMessage), count(LabMessageFile), count(Job), count(OutboxMessage)) == before
    assert fresh(submission).state == "closed"


@pytest.mark.parametrize("body, message", [("", "Write a message or attach a file."),
                                           ("   \n ", "Write a message or attach a file."),
                                           ("\x00\x01", "This contains a NUL character")])
def test_an_empty_or_unstorable_message_with_no_file_is_refused(app, make, body, message):
    submission = analysed(os.urandom(500))
    with pytest.raises(ServiceError, match=message) as refused:
        conversation.customer_reply(submission, customer_actor(submission), body, [Upload(io.BytesIO(b""), "")])
    assert refused.value.field == "body"
    with pytest.raises(ServiceError, match="at most 20,000 characters"):
        conversation.customer_reply(submission, customer_actor(submission), "x" * 20_001, [])
    assert count(LabMessage) == 0


def test_files_over_the_sample_limit_are_refused_together(app, make):
    app.config["SAMPLE_MAX_BYTES"] = 1000
    submission = analysed(os.urandom(500))
    uploads = [Upload(io.BytesIO(os.urandom(600)), "a.bin"), Upload(io.BytesIO(os.urandom(600)), "b.bin")]
    with pytest.raises(conversation.FilesTooLarge, match="together are larger than the limit of 1000 bytes") as refused:
        conversation.customer_reply(submission, customer_actor(submission), "two files", uploads)
    assert refused.value.field == "files"
    assert (count(LabMessage), count(LabMessageFile), fresh(submission).state) == (0, 0, "waiting")


def test_the_customer_and_an_analyst_writing_at_once_both_land(app, make, postgres_only):
    analyst = analyst_actor(make)
    submission = analysed(os.urandom(500))
    service.reply(analyst, submission, "First answer.")
    submission_id, customer = submission.id, customer_actor(submission)
    barrier = threading.Barrier(2)
    errors = []

    def write(action) -> None:
        with app.app_context():
            try:
                row = db.session.get(Submission, submission_id)
                _ = row.state  # both read the state before either writes
                barrier.wait(timeout=10)
                action(row)
            except Exception as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                db.session.remove()

    actions = [lambda row: conversation.customer_reply(row, customer, "It is back again.", []),
               lambda row: conversation.staff_reply(row, analyst, "Second answer.")]
    threads = [threading.Thread(target=write, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    submission = fresh(submission)
    messages = conversation.thread(submission, include_notes=False)
    assert sorted(m.body for m in messages[1:]) == ["It is back again.", "Second answer."]
    # the state is the one the later writer left: neither change was made from a stale state
    assert submission.state == ("waiting" if messages[-1].author_kind == "customer" else "answered")
    changes = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["viruslab.customer_replied", "viruslab.staff_replied"])).order_by(AuditEvent.id)).all()
    for earlier, later in zip(changes, changes[1:], strict=False):
        assert later.before["state"] == earlier.after["state"]


def test_migration_0011_moves_old_answers_into_the_conversation_and_back(app, make):
    customer = make.customer()
    submission = service.create_submission(Actor.system(), customer, request(None, "description"), None)
    conversation.customer_reply(submission, customer_actor(submission), "Any news?", [])
    submission_id, created_at = submission.id, submission.created_at
    db.session.remove()
    downgrade(revision="0010")
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE viruslab_submissions SET public_reply = :answer, state = 'answered' "
                                "WHERE id = :id"), {"answer": "  The old answer.  ", "id": submission_id})
    db.engine.dispose()
    upgrade(revision="heads")
    db.engine.dispose()
    # the conversation so far survives dropping the column (SQLite must not copy the table: that cascades)
    kept, message = db.session.scalars(select(LabMessage).order_by(LabMessage.id)).all()
    assert kept.body == "Any news?"
    assert (message.submission_id, message.kind, message.author_kind, message.author_label, message.body) == (
        submission_id, "reply", "staff", "Virus Lab", "The old answer.")
    assert message.created_at == created_at  # never answered_at: the request's own time
    db.session.remove()

    downgrade(revision="0010")  # the column comes back with the latest answer; up again copies nothing twice
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT public_reply FROM viruslab_submissions")).scalar() == \
            "The old answer."
    db.engine.dispose()
    upgrade(revision="heads")
    db.engine.dispose()
    assert count(LabMessage) == 2
