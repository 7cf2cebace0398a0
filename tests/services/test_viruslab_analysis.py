"""Virus Lab analysis as a job: a request is answered with its number before anything is unpacked; the job types,
unpacks (limits counted per submission) and scans each file, records the submission's file tree, and leaves the
request waiting for an analyst. One sample per SHA-256, also under a race on PostgreSQL."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import ArchiveState, Job, JobState, Sample, ScanStatus, Submission, SubmissionState, YaraScan
from backoffice.services.viruslab.submissions import create_submission
from tests.viruslab_analysis import (
    SLOW_LOOP_RULE,
    SYSTEM,
    analysed,
    files_of,
    members_of,
    request,
    rules_matched,
    run_analysis_jobs,
    stored,
    submit,
)
from tests.viruslab_files import eicar_bytes, encrypted_zip, nested_zip, plain_zip, zipcrypto_zip


def sample_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Sample))


def test_a_request_is_filed_at_once_and_analysed_by_its_job(app, make):
    submission = submit(plain_zip({"eicar.com": eicar_bytes()}), "sample.zip")

    assert submission.state == SubmissionState.RECEIVED  # stored and numbered, nothing unpacked yet
    assert submission.files == [] and sample_count() == 1
    job = db.session.get(Job, submission.analysis_job_id)
    assert (job.kind, job.state, job.payload) == ("viruslab.analyse", JobState.QUEUED, {"submission_id": submission.id})

    assert run_analysis_jobs() == 1
    db.session.expire_all()
    submission = db.session.get(Submission, submission.id)
    assert submission.state == SubmissionState.WAITING and submission.analysed_at is not None
    assert db.session.get(Job, submission.analysis_job_id).state == JobState.DONE
    assert {name: f.depth for name, f in files_of(submission).items()} == {"sample.zip": 0, "eicar.com": 1}
    assert run_analysis_jobs() == 0  # done means done


def test_the_same_file_twice_is_one_sample_with_two_submissions(app, make):
    data = os.urandom(5000)
    first, second = analysed(data), analysed(data)
    assert first.sample_id == second.sample_id
    assert sample_count() == 1
    sample = db.session.get(Sample, first.sample_id)
    assert (sample.size, sample.archive_state) == (5000, ArchiveState.NOT_ARCHIVE)
    assert first.number != second.number and first.number.startswith("VL-")


def test_a_bare_file_is_typed_by_its_magic_bytes_and_scanned(app):
    submission = analysed(eicar_bytes(), "eicar.com")
    sample = submission.sample
    assert sample.file_type == "EICAR virus test files"  # libmagic knows the test file by its bytes
    assert sample.mime_type == "text/plain"
    assert rules_matched(sample) == {"EICAR_Test_File"}
    [scan] = db.session.scalars(select(YaraScan).where(YaraScan.sample_id == sample.id)).all()
    assert (scan.status, scan.submission_id) == (ScanStatus.OK, submission.id) and scan.rules_version


def test_a_known_sample_is_not_scanned_again_under_the_same_rules(app):
    data = os.urandom(2000)
    analysed(data)
    analysed(data)
    assert db.session.scalar(select(func.count()).select_from(YaraScan)) == 1


@pytest.mark.parametrize("make_zip", [plain_zip, encrypted_zip, zipcrypto_zip], ids=["plain", "aes", "zipcrypto"])
def test_zips_are_opened_with_the_agreed_password_and_members_become_samples(app, make_zip):
    submission = analysed(make_zip({"eicar.com": eicar_bytes(), "docs/readme.txt": b"just text"}), "s.zip")
    archive = submission.sample
    assert archive.archive_state == ArchiveState.EXTRACTED
    assert files_of(submission)["s.zip"].archive_state == ArchiveState.EXTRACTED
    assert "Zip_Archive" in rules_matched(archive)
    members = members_of(archive)
    assert set(members) == {"eicar.com", "docs/readme.txt"}
    assert rules_matched(members["eicar.com"]) == {"EICAR_Test_File"}
    assert sample_count() == 3


def test_a_zip_with_another_password_is_kept_whole_and_flagged(app):
    submission = analysed(encrypted_zip({"x.exe": b"MZ" + os.urandom(100)}, password="secret"), "x.zip")
    top = files_of(submission)["x.zip"]
    assert top.archive_state == ArchiveState.WRONG_PASSWORD and "password" in top.archive_note
    assert members_of(submission.sample) == {} and sample_count() == 1


def test_a_member_already_known_links_to_the_existing_sample(app):
    bare = analysed(eicar_bytes()).sample
    archive = analysed(plain_zip({"copy.com": eicar_bytes()})).sample
    assert members_of(archive)["copy.com"].id == bare.id
    assert sample_count() == 2


def test_too_many_members_is_kept_whole(app):
    app.config["ARCHIVE_MAX_MEMBERS"] = 3
    submission = analysed(plain_zip({f"f{i}.txt": f"file {i}".encode() for i in range(4)}), "many.zip")
    top = files_of(submission)["many.zip"]
    assert top.archive_state == ArchiveState.LIMIT_EXCEEDED and "more than 3 members" in top.archive_note
    assert list(files_of(submission)) == ["many.zip"] and sample_count() == 1


def test_too_large_unpacked_is_kept_whole(app):
    app.config["ARCHIVE_MAX_TOTAL_BYTES"] = 100_000
    submission = analysed(plain_zip({"a.bin": os.urandom(60_000), "b.bin": os.urandom(60_000)}), "big.zip")
    top = files_of(submission)["big.zip"]
    assert top.archive_state == ArchiveState.LIMIT_EXCEEDED and "unpacks to more than" in top.archive_note
    assert sample_count() == 1


def test_a_highly_compressed_member_is_a_bomb(app):
    submission = analysed(plain_zip({"zeros.bin": bytes(20 * 1024 * 1024)}), "bomb.zip")  # ~1000:1
    top = files_of(submission)["bomb.zip"]
    assert top.archive_state == ArchiveState.LIMIT_EXCEEDED and "compressed more than 100:1" in top.archive_note
    assert sample_count() == 1


def test_nesting_past_the_depth_limit_keeps_the_deep_archive_whole_until_it_is_sent_alone(app):
    app.config["ARCHIVE_MAX_DEPTH"] = 2
    innermost_zip = nested_zip(b"innermost payload", levels=1)
    nested = analysed(nested_zip(innermost_zip, levels=2), "nest.zip")
    files = files_of(nested)
    assert [files[name].depth for name in ("nest.zip", "level1.zip", "level0.bin")] == [0, 1, 2]
    deepest = files["level0.bin"]
    assert deepest.archive_state == ArchiveState.LIMIT_EXCEEDED and "nested deeper than 2" in deepest.archive_note

    alone = analysed(innermost_zip, "alone.zip")  # the same zip, sent by itself: its state is this request's own
    assert alone.sample_id == deepest.sample_id
    assert files_of(alone)["alone.zip"].archive_state == ArchiveState.EXTRACTED
    assert set(files_of(alone)) == {"alone.zip", "level0.bin"}
    db.session.refresh(deepest)
    assert deepest.archive_state == ArchiveState.LIMIT_EXCEEDED  # the first request's record stands


def test_a_rescan_unpacks_again(app):
    app.config["ARCHIVE_MAX_MEMBERS"] = 1
    sample = analysed(plain_zip({"a.txt": b"a", "b.txt": b"b"}), "two.zip").sample
    assert sample.archive_state == ArchiveState.LIMIT_EXCEEDED
    app.config["ARCHIVE_MAX_MEMBERS"] = 10
    from backoffice.services.viruslab.submissions import rescan

    rescan(SYSTEM, sample)
    assert run_analysis_jobs() == 1
    db.session.expire_all()
    sample = db.session.get(Sample, sample.id)
    assert sample.archive_state == ArchiveState.EXTRACTED
    assert set(members_of(sample)) == {"a.txt", "b.txt"}


def test_a_lying_header_cannot_unpack_more_than_declared(app):
    data = bytearray(plain_zip({"small.txt": b"A" * 1000}, compression=0))
    # claim a smaller size in the central directory: the reader stops there and the CRC check fails
    index = data.rfind(b"small.txt") - 46 + 24
    data[index:index + 4] = (10).to_bytes(4, "little")
    submission = analysed(bytes(data), "liar.zip")
    assert files_of(submission)["liar.zip"].archive_state in (ArchiveState.DAMAGED, ArchiveState.LIMIT_EXCEEDED)
    assert members_of(submission.sample) == {}


def test_concurrent_submissions_of_one_new_file_give_one_sample(app, make, postgres_only):
    customers = [make.customer() for _ in range(6)]
    data = plain_zip({"payload.exe": b"MZ" + os.urandom(50_000), "eicar.com": eicar_bytes()})
    blob = stored(data)
    barrier = threading.Barrier(len(customers))
    numbers, errors = [], []

    def file_request(customer_id: int) -> None:
        with app.app_context():
            try:
                customer = db.session.get(type(customers[0]), customer_id)
                barrier.wait(timeout=10)
                numbers.append(create_submission(SYSTEM, customer, request("payload.zip"), blob).number)
            except Exception as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file_request, args=(c.id,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(set(numbers)) == len(customers)
    assert run_analysis_jobs_in_threads(app, 3) == []
    db.session.expire_all()
    assert sample_count() == 3  # the zip and its two members, once each
    sample_ids = set(db.session.scalars(select(Submission.sample_id)))
    assert len(sample_ids) == 1
    archive = db.session.get(Sample, sample_ids.pop())
    assert set(members_of(archive)) == {"payload.exe", "eicar.com"}
    states = set(db.session.scalars(select(Submission.state)))
    assert states == {SubmissionState.WAITING}


def run_analysis_jobs_in_threads(app, threads: int) -> list[Exception]:
    """Several workers (threads, each with its own connection) running the due analysis jobs at once."""
    errors: list[Exception] = []

    def work() -> None:
        with app.app_context():
            try:
                run_analysis_jobs()
            except Exception as error:  # noqa: BLE001  reported to the test
                errors.append(error)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


def test_concurrent_archives_sharing_new_members_do_not_deadlock(app, make, postgres_only):
    customer = make.customer()
    for _attempt in range(3):
        first, second = os.urandom(3000), os.urandom(3000)
        # the same two new files, listed in opposite orders in two different archives
        submit(plain_zip({"a.bin": first, "b.bin": second}), "one.zip", customer)
        submit(plain_zip({"b.bin": second, "a.bin": first, "note.txt": b"second archive"}), "two.zip", customer)
        assert run_analysis_jobs_in_threads(app, 2) == []
    db.session.expire_all()
    assert sample_count() == 3 * 4 + 1  # per attempt two archives and two shared members; one note for all
    unfinished = select(func.count()).where(Job.state != JobState.DONE, Job.kind == "viruslab.analyse")
    assert db.session.scalar(unfinished) == 0


def test_the_last_update_date_may_be_today_anywhere_but_not_later(app, make):
    from datetime import UTC, date, datetime

    from backoffice.clock import set_now
    from backoffice.services import ServiceError
    from backoffice.services.viruslab.submissions import check_request

    set_now(datetime(2026, 3, 10, 20, 0, tzinfo=UTC))  # already 11 March in Auckland
    form = request(None)
    form.request_type = "description"
    form.last_update_date = date(2026, 3, 11)
    assert check_request(form, None).last_update_date == date(2026, 3, 11)
    form.last_update_date = date(2026, 3, 12)
    with pytest.raises(ServiceError) as refused:
        check_request(form, None)
    assert refused.value.field == "last_update_date"


@pytest.fixture
def slow_rule_set(tmp_path, app):
    """The shipped rules replaced by one slow enough to outlast a 1 s timeout on 16 MB."""
    rules = tmp_path / "slow-rules"
    rules.mkdir()
    (rules / "slow.yar").write_text(SLOW_LOOP_RULE)
    app.config["YARA_RULES_DIR"] = str(rules)


def test_a_scan_past_its_timeout_is_recorded_as_timed_out_naming_the_rule_set(app, slow_rule_set):
    app.config["YARA_TIMEOUT_SECONDS"] = 1
    submission = analysed(bytes(16 * 1024 * 1024), "zeros.bin")
    assert submission.state == SubmissionState.WAITING  # never lost, never a 500: the analyst decides
    [scan] = db.session.scalars(select(YaraScan)).all()
    assert scan.status == ScanStatus.TIMED_OUT
    assert "timed out after 1 s" in scan.note and "file:slow" in scan.note


def test_the_submission_budget_stops_scanning_and_says_so(app, slow_rule_set):
    app.config.update(YARA_TIMEOUT_SECONDS=1, ANALYSIS_BUDGET_SECONDS=1)
    big = bytes(8 * 1024 * 1024)
    submission = analysed(plain_zip({"first.bin": big, "second.bin": big + b"x"}, compression=0), "two.zip")
    scans = {scan.sample_id: scan for scan in db.session.scalars(select(YaraScan))}
    files = files_of(submission)
    statuses = [scans[files[name].sample_id].status for name in ("two.zip", "first.bin", "second.bin")]
    assert statuses.count(ScanStatus.TIMED_OUT) >= 2  # the budget ran out; what was left is recorded, not run
    assert any(scan.note == "No time was left to scan this file." for scan in scans.values())
    assert submission.state == SubmissionState.WAITING


def test_members_of_any_format_are_linked_under_their_raw_names(app):
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in {"請求書.exe": b"MZ invoice", "Scan_\u202egpj.zip": b"not a zip"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    submission = analysed(buffer.getvalue(), "bundle.tar.gz")
    assert submission.sample.archive_state == ArchiveState.EXTRACTED
    raw = {"請求書.exe", "Scan_\u202egpj.zip"}  # raw: display_name escapes them wherever they are shown
    assert set(members_of(submission.sample)) == raw
    assert set(files_of(submission)) == raw | {"bundle.tar.gz"}


def test_a_name_the_database_cannot_hold_is_stored_with_a_replacement(app):
    data = plain_zip({"aXb.exe": b"MZ"}).replace(b"aXb.exe", b"a\x00b.exe")  # zipfile will not write a NUL
    submission = analysed(data, "nul.zip")
    assert set(members_of(submission.sample)) == {"a\ufffdb.exe"}
