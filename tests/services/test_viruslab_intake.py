"""Intake: one sample per SHA-256 (also under a race on PostgreSQL), archives opened with the agreed password,
zip bombs kept whole and flagged, YARA matches recorded."""

from __future__ import annotations

import io
import os
import tarfile
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from backoffice.extensions import db
from backoffice.models import ArchiveMember, ArchiveState, Sample, Submission, YaraMatch
from backoffice.security import Actor
from backoffice.services.viruslab.intake import ingest
from backoffice.services.viruslab.submissions import RequestForm, create_submission
from backoffice.storage import store_stream
from tests.viruslab_files import eicar_bytes, encrypted_zip, nested_zip, plain_zip, zipcrypto_zip

SYSTEM = Actor.system("test")


def stored(data: bytes):
    return store_stream(io.BytesIO(data), max_bytes=len(data) + 1)


def members_of(sample: Sample) -> dict[str, Sample]:
    links = db.session.scalars(select(ArchiveMember).where(ArchiveMember.archive_id == sample.id))
    return {link.member_name: link.member for link in links}


def rules_matched(sample: Sample) -> set[str]:
    return set(db.session.scalars(select(YaraMatch.rule_name).where(YaraMatch.sample_id == sample.id)))


def sample_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Sample))


def request(file_name: str | None = "file.bin") -> RequestForm:
    return RequestForm("unknown_malware", "Found on my disk", "Kaspersky Internet Security", date(2026, 1, 2),
                       "me@example.com", None, file_name)


def test_the_same_file_twice_is_one_sample_with_two_submissions(app, make):
    first_customer, second_customer = make.customer(), make.customer()
    data = os.urandom(5000)
    first = create_submission(SYSTEM, first_customer, request(), stored(data))
    second = create_submission(SYSTEM, second_customer, request(), stored(data))
    assert first.sample_id == second.sample_id
    assert sample_count() == 1
    sample = db.session.get(Sample, first.sample_id)
    assert (sample.size, sample.archive_state) == (5000, ArchiveState.NOT_ARCHIVE)
    assert first.number != second.number and first.number.startswith("VL-")


def test_a_bare_file_is_typed_by_its_magic_bytes_and_scanned(app):
    sample = ingest(stored(eicar_bytes()))
    db.session.commit()
    assert sample.file_type == "EICAR virus test files"  # libmagic knows the test file by its bytes
    assert sample.mime_type == "text/plain"
    assert rules_matched(sample) == {"EICAR_Test_File"}
    assert sample.scanned_at is not None


@pytest.mark.parametrize("make_zip", [plain_zip, encrypted_zip, zipcrypto_zip], ids=["plain", "aes", "zipcrypto"])
def test_zips_are_opened_with_the_agreed_password_and_members_become_samples(app, make_zip):
    archive = ingest(stored(make_zip({"eicar.com": eicar_bytes(), "docs/readme.txt": b"just text"})))
    db.session.commit()
    assert archive.archive_state == ArchiveState.EXTRACTED
    assert "Zip_Archive" in rules_matched(archive)
    members = members_of(archive)
    assert set(members) == {"eicar.com", "docs/readme.txt"}
    assert rules_matched(members["eicar.com"]) == {"EICAR_Test_File"}
    assert sample_count() == 3


def test_a_zip_with_another_password_is_kept_whole_and_flagged(app):
    archive = ingest(stored(encrypted_zip({"x.exe": b"MZ" + os.urandom(100)}, password="secret")))
    db.session.commit()
    assert archive.archive_state == ArchiveState.WRONG_PASSWORD
    assert "password" in archive.archive_note
    assert members_of(archive) == {} and sample_count() == 1


def test_a_member_already_known_links_to_the_existing_sample(app):
    bare = ingest(stored(eicar_bytes()))
    archive = ingest(stored(plain_zip({"copy.com": eicar_bytes()})))
    db.session.commit()
    assert members_of(archive)["copy.com"].id == bare.id
    assert sample_count() == 2


def test_too_many_members_is_kept_whole(app):
    app.config["ARCHIVE_MAX_MEMBERS"] = 3
    archive = ingest(stored(plain_zip({f"f{i}.txt": f"file {i}".encode() for i in range(4)})))
    db.session.commit()
    assert archive.archive_state == ArchiveState.LIMIT_EXCEEDED and archive.archive_limit_exceeded
    assert "more than 3 members" in archive.archive_note
    assert members_of(archive) == {} and sample_count() == 1


def test_too_large_unpacked_is_kept_whole(app):
    app.config["ARCHIVE_MAX_TOTAL_BYTES"] = 100_000
    archive = ingest(stored(plain_zip({"a.bin": os.urandom(60_000), "b.bin": os.urandom(60_000)})))
    db.session.commit()
    assert archive.archive_state == ArchiveState.LIMIT_EXCEEDED
    assert "unpacks to more than" in archive.archive_note
    assert sample_count() == 1


def test_a_highly_compressed_member_is_a_bomb(app):
    archive = ingest(stored(plain_zip({"zeros.bin": bytes(20 * 1024 * 1024)})))  # ~1000:1
    db.session.commit()
    assert archive.archive_state == ArchiveState.LIMIT_EXCEEDED
    assert "compressed more than 100:1" in archive.archive_note
    assert sample_count() == 1


def test_nesting_past_the_depth_limit_keeps_the_deep_archive_whole(app):
    app.config["ARCHIVE_MAX_DEPTH"] = 2
    outer = ingest(stored(nested_zip(b"innermost payload", levels=3)))
    db.session.commit()
    assert outer.archive_state == ArchiveState.EXTRACTED
    middle = members_of(outer)["level2.zip"]
    assert middle.archive_state == ArchiveState.EXTRACTED
    deepest = members_of(middle)["level1.zip"]
    assert deepest.archive_state == ArchiveState.LIMIT_EXCEEDED
    assert "nested deeper than 2" in deepest.archive_note
    assert members_of(deepest) == {}


def test_a_lying_header_cannot_unpack_more_than_declared(app):
    data = bytearray(plain_zip({"small.txt": b"A" * 1000}, compression=0))
    # claim a smaller size in the central directory: the reader stops there and the CRC check fails
    index = data.rfind(b"small.txt") - 46 + 24
    data[index:index + 4] = (10).to_bytes(4, "little")
    archive = ingest(stored(bytes(data)))
    db.session.commit()
    assert archive.archive_state in (ArchiveState.DAMAGED, ArchiveState.LIMIT_EXCEEDED)
    assert members_of(archive) == {}


def test_members_of_any_format_are_linked_under_their_raw_names(app):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in {"請求書.exe": b"MZ invoice", "Scan_\u202egpj.zip": b"not a zip"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    archive = ingest(stored(buffer.getvalue()))
    db.session.commit()
    assert archive.archive_state == ArchiveState.EXTRACTED
    assert set(members_of(archive)) == {"請求書.exe", "Scan_\u202egpj.zip"}  # raw: display_name escapes on show


def test_a_name_the_database_cannot_hold_is_stored_with_a_replacement(app):
    data = plain_zip({"aXb.exe": b"MZ"}).replace(b"aXb.exe", b"a\x00b.exe")  # zipfile will not write a NUL
    archive = ingest(stored(data))
    db.session.commit()
    assert set(members_of(archive)) == {"a\ufffdb.exe"}


def test_concurrent_submissions_of_one_new_file_give_one_sample(app, make, postgres_only):
    customers = [make.customer() for _ in range(6)]
    data = plain_zip({"payload.exe": b"MZ" + os.urandom(50_000), "eicar.com": eicar_bytes()})
    blob = stored(data)
    barrier = threading.Barrier(len(customers))
    numbers, errors = [], []

    def submit(customer_id: int) -> None:
        with app.app_context():
            try:
                customer = db.session.get(type(customers[0]), customer_id)
                barrier.wait(timeout=10)
                numbers.append(create_submission(SYSTEM, customer, request("payload.zip"), blob).number)
            except Exception as error:  # noqa: BLE001  reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(c.id,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(set(numbers)) == len(customers)
    db.session.expire_all()
    assert sample_count() == 3  # the zip and its two members, once each
    sample_ids = set(db.session.scalars(select(Submission.sample_id)))
    assert len(sample_ids) == 1
    archive = db.session.get(Sample, sample_ids.pop())
    assert set(members_of(archive)) == {"payload.exe", "eicar.com"}


def submit_at_once(app, customer_id: int, blobs: list) -> list[Exception]:
    """File one request per blob from parallel threads released together; returns what they raised."""
    from backoffice.models import Customer

    barrier = threading.Barrier(len(blobs))
    errors: list[Exception] = []

    def submit(blob) -> None:
        with app.app_context():
            try:
                owner = db.session.get(Customer, customer_id)
                barrier.wait(timeout=10)
                create_submission(SYSTEM, owner, request("shared.zip"), blob)
            except Exception as error:  # noqa: BLE001  reported to the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(blob,)) for blob in blobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_archives_sharing_new_members_do_not_deadlock(app, make, postgres_only):
    customer_id = make.customer().id
    for _attempt in range(3):
        first, second = os.urandom(3000), os.urandom(3000)
        # the same two new files, listed in opposite orders in two different archives
        blobs = [stored(plain_zip({"a.bin": first, "b.bin": second})),
                 stored(plain_zip({"b.bin": second, "a.bin": first, "note.txt": b"second archive"}))]
        assert submit_at_once(app, customer_id, blobs) == []
    db.session.expire_all()
    assert sample_count() == 3 * 4 + 1  # per attempt two archives and two shared members; one note for all


def test_the_last_update_date_may_be_today_anywhere_but_not_later(app, make):
    from datetime import UTC, datetime

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
