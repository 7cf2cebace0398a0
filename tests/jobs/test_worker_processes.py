"""`backoffice worker` as real processes: a request is answered before any worker runs; a worker analyses it; a
worker killed with SIGKILL mid-job has its job finished by another, analysed once; two workers on PostgreSQL
share twenty requests without running any job twice."""

from __future__ import annotations

import os
import signal
import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import Customer, Job, JobState, Submission, SubmissionFile, SubmissionState, YaraScan
from tests.conftest import wait_until
from tests.viruslab_analysis import SLOW_LOOP_RULE, submit
from tests.viruslab_files import eicar_bytes, plain_zip


def state_of(submission_id: int) -> str:
    return db.session.scalar(select(Submission.state).where(Submission.id == submission_id))


def test_a_worker_process_analyses_a_filed_request(app, make, workers):
    submission = submit(plain_zip({"eicar.com": eicar_bytes()}), "found.zip")
    assert submission.state == SubmissionState.RECEIVED

    worker = workers.start()
    wait_until(lambda: state_of(submission.id) == SubmissionState.WAITING, message="the worker's analysis")

    job = db.session.get(Job, submission.analysis_job_id)
    assert (job.state, job.attempts, job.last_error) == (JobState.DONE, 1, None)
    names = set(db.session.scalars(select(SubmissionFile.name).where(SubmissionFile.submission_id == submission.id)))
    assert names == {"found.zip", "eicar.com"}
    assert worker.poll() is None  # still polling for more


@pytest.fixture
def slow_rules(tmp_path, app_config):
    """A slow rule, so a worker can be caught in the middle of a scan."""
    rules = tmp_path / "slow-rules"
    rules.mkdir()
    (rules / "slow.yar").write_text(SLOW_LOOP_RULE)
    app_config["YARA_RULES_DIR"] = str(rules)
    return rules


def test_a_worker_killed_mid_job_leaves_it_to_another_and_it_is_analysed_once(slow_rules, app, make, workers):
    submission = submit(bytes(16 * 1024 * 1024), "zeros.bin")  # seconds to scan
    limits = {"ANALYSIS_LEASE_SECONDS": 8, "ANALYSIS_BUDGET_SECONDS": 6, "YARA_TIMEOUT_SECONDS": 6,
              "ANALYSIS_RETRY_BASE_SECONDS": 1}

    doomed = workers.start(**limits)
    wait_until(lambda: state_of(submission.id) == SubmissionState.ANALYSING, message="the first worker to start")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    job = db.session.get(Job, submission.analysis_job_id)
    assert (job.state, job.attempts) == (JobState.RUNNING, 1)  # leased to a dead worker
    assert db.session.scalar(select(func.count()).select_from(YaraScan)) == 0  # it committed nothing of its work

    workers.start(**limits)  # takes the job over once the dead worker's lease lapses
    wait_until(lambda: state_of(submission.id) == SubmissionState.WAITING, timeout=40, message="the takeover")

    db.session.expire_all()
    job = db.session.get(Job, submission.analysis_job_id)
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    assert db.session.scalar(select(func.count()).select_from(SubmissionFile)) == 1
    [scan] = db.session.scalars(select(YaraScan)).all()  # scanned once: by the run that finished
    assert scan.submission_id == submission.id


def test_two_workers_share_twenty_concurrent_requests_and_run_each_job_once(app, make, workers, postgres_only):
    customer_id = make.customer().id
    shared = os.urandom(2000)
    first, second = workers.start(), workers.start()  # polling already while the requests arrive
    barrier = threading.Barrier(4)
    numbers, errors = [], []

    def file_five(thread: int) -> None:
        with app.app_context():
            try:
                customer = db.session.get(Customer, customer_id)
                barrier.wait(timeout=10)
                for n in range(thread * 5, thread * 5 + 5):
                    zipped = plain_zip({f"own{n}.bin": os.urandom(1000 + n), "shared.bin": shared})
                    numbers.append(submit(zipped, f"r{n}.zip", customer).number)
            except Exception as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file_five, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(set(numbers)) == 20

    wait_until(lambda: db.session.scalar(select(func.count()).where(Submission.state == SubmissionState.WAITING))
               == 20, timeout=60, message="twenty analyses")

    jobs = db.session.scalars(select(Job).where(Job.kind == "viruslab.analyse")).all()
    assert len(jobs) == 20
    assert {(job.state, job.attempts, job.last_error) for job in jobs} == {(JobState.DONE, 1, None)}
    for submission_id in db.session.scalars(select(Submission.id)):  # each tree once: the zip and two members
        count = select(func.count()).where(SubmissionFile.submission_id == submission_id)
        assert db.session.scalar(count) == 3
    for worker in (first, second):
        assert worker.poll() is None
