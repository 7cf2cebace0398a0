"""The job queue in the console (admins): failed jobs with their error, retried once, audited; what waited on the
job (here a Virus Lab request) goes back to waiting with it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import AuditEvent, Job, JobState, Submission, SubmissionState
from tests.factories import PASSWORD
from tests.viruslab_analysis import run_analysis_jobs, submit
from tests.viruslab_files import eicar_bytes


@pytest.fixture
def failed_analysis(app, make) -> Submission:
    submission = submit(eicar_bytes(), "eicar.com")
    job = db.session.get(Job, submission.analysis_job_id)
    job.state, job.attempts, job.last_error = JobState.FAILED, 3, "OSError: the disk went away"
    submission.state, submission.analysis_error = SubmissionState.ANALYSIS_FAILED, job.last_error
    db.session.commit()
    return submission


def test_an_admin_sees_a_failed_job_and_retries_it(app, make, console, client, failed_analysis):
    admin = make.staff("admin")
    console.login(admin.email, PASSWORD)
    listing = client.get("/console/jobs/", query_string={"search": "viruslab.analyse"}).get_data(as_text=True)
    assert "OSError: the disk went away" in listing and "Failed" in listing
    job_id = failed_analysis.analysis_job_id
    details = client.get(f"/console/jobs/details/?id={job_id}").get_data(as_text=True)
    assert "Retry this job" in details

    done = client.post(f"/console/jobs/retry/{job_id}", follow_redirects=True).get_data(as_text=True)
    assert f"Job {job_id} is queued again." in done
    again = client.post(f"/console/jobs/retry/{job_id}", follow_redirects=True).get_data(as_text=True)
    assert "Only a job that failed can be retried." in again
    db.session.expire_all()
    assert db.session.get(Submission, failed_analysis.id).state == SubmissionState.RECEIVED
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retried")).all()) == 1
    assert run_analysis_jobs() == 1
    db.session.expire_all()
    assert db.session.get(Submission, failed_analysis.id).state == SubmissionState.WAITING


@pytest.mark.parametrize("role", ["support", "analyst"])
def test_only_admins_see_the_queue(make, console, client, failed_analysis, role):
    staff = make.staff(role)
    console.login(staff.email, PASSWORD)
    assert client.get("/console/jobs/").status_code == 403
    assert client.post(f"/console/jobs/retry/{failed_analysis.analysis_job_id}").status_code == 403
