"""The job queue's rules, through the analysis kind: a lapsed lease at the last attempt fails the job for good
(and the request goes to the analysts with the reason), a run that lost its lease has its writes discarded,
unknown kinds are refused, and a failed analysis is retried from the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backoffice.clock import set_now
from backoffice.extensions import db
from backoffice.jobs import enqueue, queue
from backoffice.jobs.worker import run_due
from backoffice.models import Job, JobState, Submission, SubmissionFile, SubmissionState
from backoffice.security import Actor
from backoffice.storage import blob_path
from tests.factories import PASSWORD
from tests.viruslab_analysis import run_analysis_jobs, submit
from tests.viruslab_files import eicar_bytes, plain_zip

BASE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_enqueueing_an_unknown_kind_is_a_programming_error(app):
    with pytest.raises(ValueError, match="unknown job kind"):
        enqueue("viruslab.analyze", {})


def test_a_job_of_a_kind_no_worker_knows_fails_with_the_reason(app):
    db.session.add(Job(kind="reports.rollup", payload={}, state=JobState.QUEUED, run_after=BASE))
    db.session.commit()
    assert run_due().attempted == 0
    job = db.session.scalar(select(Job))
    assert (job.state, job.last_error) == (JobState.FAILED, "no handler for job kind 'reports.rollup'")


def test_a_lapsed_lease_at_the_last_attempt_fails_the_analysis_for_the_analysts(app, make):
    app.config["ANALYSIS_MAX_ATTEMPTS"] = 1
    set_now(BASE)
    submission = submit(eicar_bytes(), "eicar.com")
    [claim] = queue.claim(10, ["viruslab.analyse"])  # a worker takes the job, then dies
    assert claim.attempts == 1

    set_now(BASE + timedelta(seconds=app.config["ANALYSIS_LEASE_SECONDS"] + 1))
    assert run_due(kind_names=["viruslab.analyse"]).attempted == 0  # not started again: no attempt left
    db.session.expire_all()
    job = db.session.get(Job, claim.job_id)
    assert job.state == JobState.FAILED and "stopped before it finished" in job.last_error
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.ANALYSIS_FAILED
    assert "stopped before it finished" in submission.analysis_error


def test_a_run_that_lost_its_lease_has_its_writes_discarded(app, make):
    set_now(BASE)
    submission = submit(eicar_bytes(), "eicar.com")
    [slow] = queue.claim(10, ["viruslab.analyse"])
    set_now(BASE + timedelta(seconds=app.config["ANALYSIS_LEASE_SECONDS"] + 1))
    assert run_analysis_jobs() == 1  # another worker takes over and finishes
    # the slow worker finally completes: refused, so its writes would be rolled back with it
    assert queue.complete(slow) is False
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(SubmissionFile.submission_id == submission.id)) == 1
    assert db.session.get(Job, slow.job_id).attempts == 2


def test_an_analysis_that_keeps_failing_is_retried_with_backoff_then_shown_to_analysts_who_retry_it(
        app, make, console, client):
    app.config["ANALYSIS_MAX_ATTEMPTS"] = 2
    set_now(BASE)
    submission = submit(plain_zip({"a.txt": b"a"}), "lost.zip")
    path = blob_path(submission.sample.sha256)
    kept = path.read_bytes()
    path.unlink()  # the blob store lost the file: the analysis cannot read it

    report = run_due(kind_names=["viruslab.analyse"])
    assert len(report.retrying) == 1
    job = db.session.get(Job, submission.analysis_job_id)
    assert job.run_after == BASE + timedelta(seconds=app.config["ANALYSIS_RETRY_BASE_SECONDS"])
    set_now(job.run_after)
    assert len(run_due(kind_names=["viruslab.analyse"]).failed) == 1
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.ANALYSIS_FAILED

    analyst = make.staff("analyst")
    console.login(analyst.email, PASSWORD)
    page = client.get(f"/console/viruslab/details/?id={submission.id}").get_data(as_text=True)
    assert "Analysis failed:" in page and "No such file" in page
    assert "Analyse this request again" in page
    customer_view = submission.customer
    assert customer_view is not None

    path.write_bytes(kept)
    response = client.post(f"/console/viruslab/retry-analysis/{submission.id}", follow_redirects=True)
    assert "The analysis is queued again." in response.get_data(as_text=True)
    again = client.post(f"/console/viruslab/retry-analysis/{submission.id}", follow_redirects=True)
    assert "Only a request whose analysis failed" in again.get_data(as_text=True)
    assert run_analysis_jobs() == 1
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert (submission.state, submission.analysis_error) == (SubmissionState.WAITING, None)


def test_an_analysis_overtaken_by_a_file_the_customer_adds_leaves_the_request_to_the_newer_job(app, make):
    import io
    import os

    from backoffice.jobs import kinds, worker
    from backoffice.services.support.attachments import Upload
    from backoffice.services.viruslab import conversation
    from backoffice.services.viruslab.analysis import ANALYSE

    submission = submit(eicar_bytes(), "eicar.com")
    [running] = queue.claim(10, [ANALYSE])  # a worker is analysing the request...
    customer = Actor("customer", submission.customer_id, submission.email)
    conversation.customer_reply(submission, customer, "One more file.",  # ...when the customer adds a file
                                [Upload(io.BytesIO(os.urandom(600)), "more.bin")])
    report = worker.WorkReport()
    worker._run(kinds.get(ANALYSE), running, None, report)  # the first run ends after the reply

    assert report.done == [running.job_id]
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.RECEIVED  # not "waiting": the newer job has the request
    assert db.session.scalar(select(func.count()).where(SubmissionFile.submission_id == submission.id)) == 0
    assert run_analysis_jobs() == 1
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.WAITING
    assert {f.name for f in submission.files} == {"eicar.com", "more.bin"}
