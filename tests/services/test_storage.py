"""The blob store: content addressing, hashes, the size cap, atomic writes and dedupe."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from backoffice.storage import BlobNotFound, BlobTooLarge, blob_path, open_blob, store_stream


def test_a_stream_is_stored_under_its_sha256_with_all_four_hashes(app):
    data = os.urandom(3 * 1024 * 1024 + 17)  # several chunks and a partial one
    blob = store_stream(io.BytesIO(data), max_bytes=len(data))
    assert blob.size == len(data)
    for name in ("md5", "sha1", "sha256", "sha512"):
        assert getattr(blob, name) == hashlib.new(name, data).hexdigest()
    path = blob_path(blob.sha256)
    assert path.parts[-3:] == (blob.sha256[:2], blob.sha256[2:4], blob.sha256)
    with open_blob(blob.sha256) as stored:
        assert stored.read() == data


def test_the_same_content_twice_keeps_one_file_and_no_temp_files(app):
    data = b"same bytes" * 1000
    first = store_stream(io.BytesIO(data), max_bytes=10**6)
    second = store_stream(io.BytesIO(data), max_bytes=10**6)
    assert first == second
    root = blob_path(first.sha256).parents[2]
    assert list((root / "tmp").iterdir()) == []


def test_a_stream_over_the_limit_stores_nothing(app):
    with pytest.raises(BlobTooLarge) as refused:
        store_stream(io.BytesIO(b"x" * 2001), max_bytes=2000)
    assert refused.value.limit == 2000
    root = blob_path("0" * 64).parents[2]
    assert list((root / "tmp").iterdir()) == []
    assert not blob_path(hashlib.sha256(b"x" * 2001).hexdigest()).exists()
    assert store_stream(io.BytesIO(b"x" * 2000), max_bytes=2000).size == 2000  # exactly the limit is fine


def test_only_well_formed_hashes_name_a_blob(app):
    with pytest.raises(ValueError):
        blob_path("../../etc/passwd")
    with pytest.raises(BlobNotFound):
        open_blob("a" * 64)


def test_the_store_refuses_to_live_in_the_static_folder(app):
    app.config["STORAGE_DIR"] = app.static_folder + "/uploads"
    with pytest.raises(RuntimeError):
        store_stream(io.BytesIO(b"data"), max_bytes=100)
