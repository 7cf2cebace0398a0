"""Verdicts reach people: a verdict on any file applies to every request holding it; a request's overall verdict is
the worst of its files'; a request whose files all have verdicts is answered once, with a mail — at once for a
known sample (even zipped again), or when the analyst's verdict settles its last file."""

from __future__ import annotations

import os
import threading

from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import AuditEvent, OutboxMessage, Submission, SubmissionState
from backoffice.security import Actor
from backoffice.services.viruslab.submissions import set_verdict
from backoffice.services.viruslab.verdicts import request_verdict
from tests.portal.mailbox import deliver
from tests.smtp import SmtpSink
from tests.viruslab_analysis import analysed, files_of
from tests.viruslab_files import encrypted_zip, plain_zip


def verdict_mails(submission: Submission) -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "viruslab_verdict",
                                                          OutboxMessage.to_addr == submission.email)).all()


def answers(messages):
    return [m for m in messages if m["Subject"].endswith("has been answered")]


def analyst_actor(make) -> Actor:
    staff = make.staff("analyst")
    return Actor("staff", staff.id, staff.email, role="analyst")


def test_verdicts_on_the_members_answer_the_zip_once_with_the_worst(smtp, app, make):
    analyst = analyst_actor(make)
    submission = analysed(plain_zip({"tool.exe": os.urandom(900), "readme.txt": b"hello"}), "bundle.zip")
    files = files_of(submission)
    assert {f.name for f in request_verdict(submission).files} == {"readme.txt", "tool.exe"}  # not the zip

    set_verdict(analyst, files["readme.txt"].sample, "clean", None, None)
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    outcome = request_verdict(submission)
    assert (submission.state, outcome.verdict, outcome.complete) == (SubmissionState.WAITING, "clean", False)
    assert verdict_mails(submission) == []

    set_verdict(analyst, files_of(submission)["tool.exe"].sample, "pua", "not-a-virus:RiskTool.Win32.X", None)
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.ANSWERED and submission.answered_at is not None
    outcome = request_verdict(submission)
    assert (outcome.verdict, outcome.complete) == ("pua", True)
    assert outcome.detection_names == ["not-a-virus:RiskTool.Win32.X"]

    [message] = answers(deliver(smtp))
    assert message["To"] == submission.email and submission.number in message["Subject"]
    text = SmtpSink.text_of(message)
    assert "Verdict: Potentially unwanted (PUA) (not-a-virus:RiskTool.Win32.X)" in text
    assert "- tool.exe: Potentially unwanted (PUA)" in text and "- readme.txt: Clean" in text

    set_verdict(analyst, files_of(submission)["tool.exe"].sample, "malicious", "Trojan.Win32.X", None)
    assert len(verdict_mails(submission)) == 1  # changing a verdict later mails nobody again
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "viruslab.answered_by_verdict")) == 1


def test_the_customer_sees_each_files_verdict_and_the_overall_one(app, make, sign_in_customer):
    analyst = analyst_actor(make)
    customer = make.customer()
    submission = analysed(plain_zip({"a.exe": os.urandom(500), "b.dll": os.urandom(500)}), "two.zip", customer)
    set_verdict(analyst, files_of(submission)["a.exe"].sample, "malicious", "Trojan.Win32.A", None)
    page = sign_in_customer(app.test_client(), customer).get(f"/viruslab/{submission.number}").get_data(as_text=True)
    assert "Malicious (Trojan.Win32.A) — more files are still being examined" in page
    assert "<td>a.exe</td>" in page and "<td>b.dll</td>" in page and "Not examined yet" in page


def test_a_known_sample_zipped_again_is_answered_at_once_by_its_analysis(smtp, app, make):
    analyst = analyst_actor(make)
    payload = os.urandom(3000)
    first = analysed(payload, "invoice.exe")
    set_verdict(analyst, first.sample, "malicious", "Trojan.Win32.Invoice", None)
    deliver(smtp)  # the first request's own answer

    again = analysed(encrypted_zip({"invoice.exe": payload}), "again.zip")  # a new outer hash, the same file inside
    assert again.sample_id != first.sample_id
    assert again.state == SubmissionState.ANSWERED
    assert request_verdict(again).verdict == "malicious"
    [message] = answers(deliver(smtp))
    assert again.number in message["Subject"] and "Trojan.Win32.Invoice" in SmtpSink.text_of(message)


def test_a_verdict_on_the_zip_itself_covers_everything_in_it(app, make):
    analyst = analyst_actor(make)
    submission = analysed(plain_zip({"x.bin": os.urandom(100), "y.bin": os.urandom(100)}), "pack.zip")
    set_verdict(analyst, submission.sample, "malicious", "Trojan.Pack", None)
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.ANSWERED
    assert request_verdict(submission).verdict == "malicious"


def test_two_analysts_settling_the_last_two_files_at_once_answer_once(app, make, postgres_only):
    first, second = analyst_actor(make), analyst_actor(make)
    submission = analysed(plain_zip({"a.bin": os.urandom(400), "b.bin": os.urandom(400)}), "race.zip")
    sample_ids = [files_of(submission)[name].sample_id for name in ("a.bin", "b.bin")]
    barrier = threading.Barrier(2)
    errors = []

    def judge(actor: Actor, sample_id: int) -> None:
        from backoffice.models import Sample

        with app.app_context():
            try:
                sample = db.session.get(Sample, sample_id)
                barrier.wait(timeout=10)
                set_verdict(actor, sample, "clean", None, None)
            except Exception as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=judge, args=pair) for pair in zip((first, second), sample_ids, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).state == SubmissionState.ANSWERED
    assert len(verdict_mails(submission)) == 1
