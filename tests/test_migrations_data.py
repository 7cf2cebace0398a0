"""Upgrading a database that holds data keeps it: the Virus Lab's samples, archive links, verdict history and
requests, and the outbox's waiting and failed mail, from before the job queue (0007) to the head. On SQLite
this is also the proof that altering a table by copying it does not cascade-delete the rows that refer to it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select, text

from backoffice.extensions import db
from backoffice.models import (
    ArchiveMember,
    Job,
    JobState,
    OutboxMessage,
    OutboxStatus,
    Submission,
    SubmissionFile,
    SubmissionState,
    VerdictChange,
    YaraMatch,
)


def test_upgrading_from_before_the_job_queue_keeps_the_data(app, make, backend):
    customer_id = make.customer().id
    db.session.remove()
    downgrade(revision="0007")
    db.engine.dispose()
    when = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    if backend == "sqlite":
        when = when.replace(tzinfo=None)  # SQLite columns hold naive UTC
    hashes = {"zip": "a" * 64, "member": "b" * 64}
    with db.engine.begin() as connection:
        for sample_id, (kind, sha) in enumerate(hashes.items(), start=1):
            connection.execute(text(
                "INSERT INTO samples (id, sha256, md5, sha1, sha512, size, archive_state, verdict, first_seen_at) "
                "VALUES (:id, :sha, :md5, :sha1, :sha512, 10, :state, :verdict, :when)"),
                {"id": sample_id, "sha": sha, "md5": sha[:32], "sha1": sha[:40], "sha512": sha * 2, "when": when,
                 "state": "corrupt" if kind == "zip" else "not_archive",
                 "verdict": None if kind == "zip" else "malicious"})
        connection.execute(text("INSERT INTO archive_members (archive_id, member_id, member_name) "
                                "VALUES (1, 2, 'x.exe')"))
        connection.execute(text("INSERT INTO verdict_changes (sample_id, verdict, created_at) "
                                "VALUES (2, 'malicious', :when)"), {"when": when})
        connection.execute(text("INSERT INTO yara_matches (sample_id, namespace, rule_name, matched_at) "
                                "VALUES (2, 'file:demo', 'Demo', :when)"), {"when": when})
        connection.execute(text(
            "INSERT INTO viruslab_submissions (number, customer_id, request_type, description, product, "
            "last_update_date, email, file_name, sample_id, state, public_reply, created_at, answered_at) VALUES "
            "('VL-20261101-AAAAAA', :customer, 'unknown_malware', 'old', 'KIS', '2026-10-31', 'c@example.com', "
            "'old.zip', 1, 'new', NULL, :when, NULL)"), {"customer": customer_id, "when": when})
        for status, attempts, error in (("queued", 2, "timed out"), ("failed", 8, "550 no such user"),
                                        ("sent", 1, None)):
            connection.execute(text(
                "INSERT INTO outbox_messages (to_addr, subject, body_text, template, status, attempts, "
                "next_attempt_at, last_error, created_at) VALUES (:to, 'S', 'B', 'staff_locked', :status, "
                ":attempts, :when, :error, :when)"),
                {"to": f"{status}@example.com", "status": status, "attempts": attempts, "error": error,
                 "when": when})

    upgrade(revision="heads")
    db.engine.dispose()

    def count(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(*where))

    assert count(ArchiveMember) == 1 and count(VerdictChange) == 1 and count(YaraMatch) == 1
    submission = db.session.scalar(select(Submission))
    assert (submission.state, submission.sample_id) == (SubmissionState.WAITING, 1)
    [root] = db.session.scalars(select(SubmissionFile)).all()
    assert (root.submission_id, root.name, root.archive_state) == (submission.id, "old.zip", "damaged")
    assert db.session.scalar(select(text("archive_state FROM samples WHERE id = 1"))) == "damaged"
    messages = {m.to_addr: m for m in db.session.scalars(select(OutboxMessage))}
    waiting, failed, sent = (messages[f"{s}@example.com"] for s in ("queued", "failed", "sent"))
    assert (waiting.status, waiting.job.state, waiting.job.attempts, waiting.job.last_error) == (
        OutboxStatus.QUEUED, JobState.QUEUED, 2, "timed out")
    assert (failed.status, failed.job.state, failed.job.last_error) == (
        OutboxStatus.FAILED, JobState.FAILED, "550 no such user")
    assert (sent.status, sent.job) == (OutboxStatus.SENT, None)
    assert count(Job) == 2
