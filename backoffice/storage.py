"""Content-addressed blob store: every file lives once, under its SHA-256, outside any static path.

Layout: `<STORAGE_DIR>/blobs/<aa>/<bb>/<sha256>` (two shard levels keep directories small), temp files in
`<STORAGE_DIR>/blobs/tmp/` (same file system, so the final rename is atomic).

API, for samples and for ticket attachments alike:

- `store_stream(fileobj, max_bytes) -> StoredBlob`: copy a readable binary stream in chunks into the store while
  computing MD5, SHA-1, SHA-256 and SHA-512; raises `BlobTooLarge` (nothing kept) past `max_bytes`. Storing the
  same content twice keeps one file.
- `open_blob(sha256) -> BinaryIO`: read a stored blob (`BlobNotFound` if absent).
- `blob_path(sha256) -> Path`: where the blob lives (for tools that take a path: libmagic, YARA, zip readers).
- `blob_exists(sha256) -> bool`.

Write protocol: temp file, fsync, rename to the final name, fsync the directory; a crash leaves either no blob
or a whole one, never a partial file under a hash name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK_SIZE = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


class BlobTooLarge(Exception):
    """The stream held more than the allowed bytes; nothing was stored."""

    def __init__(self, limit: int):
        super().__init__(f"larger than {limit} bytes")
        self.limit = limit


class BlobNotFound(Exception):
    pass


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    md5: str
    sha1: str
    sha512: str
    size: int


def storage_root(storage_dir: str | os.PathLike | None = None) -> Path:
    """The blob root; refuses a directory inside the app's static folder (it would serve files raw)."""
    root = Path(storage_dir or current_app.config["STORAGE_DIR"]).resolve()
    if storage_dir is None and current_app.static_folder:
        static = Path(current_app.static_folder).resolve()
        if root == static or static in root.parents:
            raise RuntimeError("STORAGE_DIR must not be inside the static folder")
    return root / "blobs"


def blob_path(sha256: str, storage_dir: str | os.PathLike | None = None) -> Path:
    if not _SHA256.fullmatch(sha256 or ""):
        raise ValueError("not a lower-case hex SHA-256")
    return storage_root(storage_dir) / sha256[:2] / sha256[2:4] / sha256


def blob_exists(sha256: str, storage_dir: str | os.PathLike | None = None) -> bool:
    return blob_path(sha256, storage_dir).is_file()


def open_blob(sha256: str, storage_dir: str | os.PathLike | None = None) -> BinaryIO:
    path = blob_path(sha256, storage_dir)
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise BlobNotFound(sha256) from None


def store_stream(fileobj: BinaryIO, max_bytes: int, storage_dir: str | os.PathLike | None = None) -> StoredBlob:
    """Copy `fileobj` into the store, hashing as it goes; at most `max_bytes` are accepted."""
    root = storage_root(storage_dir)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            hashes, size = _copy_hashing(fileobj, out, max_bytes)
            out.flush()
            os.fsync(out.fileno())
        blob = StoredBlob(size=size, **{name: h.hexdigest() for name, h in hashes.items()})
        final = blob_path(blob.sha256, storage_dir)
        if final.is_file():
            os.unlink(tmp_name)  # same content already stored: keep the one copy
        else:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, final)
            _fsync_dir(final.parent)
        return blob
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def _copy_hashing(source: BinaryIO, out: BinaryIO, max_bytes: int) -> tuple[dict, int]:
    """Copy in chunks while hashing. MD5 and SHA-512, the slowest digests, each run on a helper thread (hashlib
    releases the GIL on big buffers) while this thread does SHA-1, SHA-256 and the write, so the four digests
    cost about as much as the slowest one."""
    hashes = {name: hashlib.new(name) for name in ("md5", "sha1", "sha256", "sha512")}
    size = 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        pending: list = []
        try:
            while chunk := source.read(CHUNK_SIZE):
                size += len(chunk)
                if size > max_bytes:
                    raise BlobTooLarge(max_bytes)
                for job in pending:  # each digest must see the chunks in order
                    job.result()
                pending = [pool.submit(hashes["md5"].update, chunk), pool.submit(hashes["sha512"].update, chunk)]
                hashes["sha1"].update(chunk)
                hashes["sha256"].update(chunk)
                out.write(chunk)
        finally:
            for job in pending:
                job.result()
    return hashes, size


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
