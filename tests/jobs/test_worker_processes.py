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


def test_a_21_mb_infected_zip_under_10000_rules_is_filed_analysed_and_its_verdict_mailed(
        smtp, tmp_path, app_config, app, make, workers, sign_in_customer):
    from datetime import date, timedelta
    from io import BytesIO

    from backoffice.security import Actor
    from backoffice.services.viruslab.submissions import set_verdict
    from backoffice.services.viruslab.verdicts import request_verdict
    from tests.portal.mailbox import deliver
    from tests.viruslab_files import encrypted_zip
    from tests.yara_corpus import generate_rules

    rules = tmp_path / "big-rules"
    rules.mkdir()
    (rules / "generated.yar").write_text(generate_rules(10_000))
    app.config["YARA_RULES_DIR"] = app_config["YARA_RULES_DIR"] = str(rules)
    customer = make.customer()
    client = sign_in_customer(app.test_client(), customer)
    archive = encrypted_zip({"dropper.exe": b"MZ" + os.urandom(21 * 1024 * 1024)})
    form = {"request_type": "unknown_malware", "description": "Came with an invoice mail.",
            "product": "Kaspersky Total Security", "email": customer.email,
            "last_update_date": (date.today() - timedelta(days=1)).isoformat()}
    review = client.post("/viruslab/new", data={**form, "sample": (BytesIO(archive), "invoice.zip")},
                         content_type="multipart/form-data")
    assert review.status_code == 200
    filed = client.post("/viruslab/new/review", data={**form, "submit": "1"})
    assert filed.status_code == 302  # the number, before anything is unpacked or scanned
    submission = db.session.scalar(select(Submission))
    assert submission.state == SubmissionState.RECEIVED

    worker = workers.start()
    wait_until(lambda: state_of(submission.id) == SubmissionState.WAITING, timeout=60, message="the analysis")
    assert worker.poll() is None  # nothing was killed
    submission = db.session.get(Submission, submission.id)
    member = next(f for f in submission.files if f.name == "dropper.exe")
    [scan] = db.session.scalars(select(YaraScan).where(YaraScan.sample_id == member.sample_id)).all()
    assert scan.status == "ok"
    workers.stop_all()  # from here this test delivers the mail itself

    analyst = make.staff("analyst")
    set_verdict(Actor("staff", analyst.id, analyst.email, role="analyst"), member.sample, "malicious",
                "Trojan-Dropper.Win32.Invoice", None)
    assert request_verdict(db.session.get(Submission, submission.id)).verdict == "malicious"
    answered = [m for m in deliver(smtp) if m["Subject"].endswith("has been answered")]
    assert len(answered) == 1 and "Trojan-Dropper.Win32.Invoice" in answered[0].get_body(("plain",)).get_content()
