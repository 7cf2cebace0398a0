"""7z through py7zr: headers (encrypted or not) parsed in Python, members pushed to us as they are decoded.

py7zr writes each member into a writer we give it, so each goes to a private spool file capped at the member's
limit (memory stays bounded; a solid block is never held whole), then into the blob store. A 7z has no password
check value: with encryption, a wrong password and damaged data look alike, so when none of the agreed passwords
gets an encrypted archive through, it is called a wrong password.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

import py7zr
from py7zr.exceptions import PasswordRequired
from py7zr.io import Py7zIO, WriterFactory

from backoffice.services.viruslab.unpacking.limits import Cap, Meter, describe
from backoffice.services.viruslab.unpacking.outcome import Damaged, LimitExceeded, WrongPassword


def read_7z(path: Path, meter: Meter, passwords: tuple[bytes, ...]) -> None:
    try:
        with _open(path, None) as archive:  # headers in the clear: list them without a password
            if not archive.needs_password():
                return _extract(archive, meter)
    except PasswordRequired:
        pass  # encrypted headers: even the list needs the password
    failures = []
    for password in passwords:
        try:
            with _open(path, password) as archive:
                return _extract(archive, meter)
        except (LimitExceeded, WrongPassword):
            raise
        except Exception as error:  # noqa: BLE001  the wrong key makes garbage, which fails wherever it is read
            failures.append(describe(error))
            meter.forget()
    raise WrongPassword("encrypted, and none of the agreed passwords opens it (or it is damaged: "
                        f"{failures[-1] if failures else 'no password configured'})")


@contextmanager
def _open(path: Path, password: bytes | None):
    """Given a file object rather than a path, py7zr decodes on this thread, in order, where our exceptions (and
    the application context the blob store needs) reach; given a path it spreads folders over threads."""
    with open(path, "rb") as file, py7zr.SevenZipFile(file, password=password and password.decode()) as archive:
        yield archive


def _extract(archive: py7zr.SevenZipFile, meter: Meter) -> None:
    listed = [info for info in archive.list() if not info.is_directory]
    sizes = {info.filename: (info.uncompressed, info.compressed) for info in listed}
    meter.declare([(info.filename, info.uncompressed, info.compressed) for info in listed])
    archive.extractall(factory=_SpoolFactory(meter, sizes))


class _SpoolFactory(WriterFactory):
    def __init__(self, meter: Meter, sizes: dict[str, tuple[int, int | None]]):
        self.meter = meter
        self.sizes = sizes

    def create(self, filename: str) -> Py7zIO:
        size, packed = self.sizes.get(filename, (None, None))
        if filename not in self.sizes:  # a directory, or a name the listing does not have: spooled, not kept
            return _Spool(filename, Cap(0, Damaged(f"unlisted member {filename[:100]}")), None)
        return _Spool(filename, self.meter.cap(filename, size, packed), self)

    def done(self, spool: _Spool) -> None:
        size, packed = self.sizes[spool.filename]
        spool.file.seek(0)
        self.meter.store(spool.filename, spool.file, size, packed)


class _Spool(Py7zIO):
    """A private temporary file for one member that refuses to grow past the member's cap."""

    def __init__(self, filename: str, cap: Cap, factory: _SpoolFactory | None):
        self.filename = filename
        self.cap = cap
        self.factory = factory
        self.file = tempfile.TemporaryFile()
        self.written = 0
        self.refused = False

    def write(self, data: bytes | bytearray) -> int:
        self.written += len(data)
        if self.written > self.cap.max_bytes:
            self.refused = True  # py7zr may still close() us on its way out: keep nothing then
            raise self.cap.reason
        return self.file.write(data)

    def read(self, size: int | None = None) -> bytes:
        return self.file.read(-1 if size is None else size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def flush(self) -> None:
        self.file.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:
        """py7zr's signal that the member is complete."""
        try:
            if self.factory is not None and not self.refused:
                self.factory.done(self)
        finally:
            self.file.close()
