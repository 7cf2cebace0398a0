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
from py7zr.exceptions import Bad7zFile, CrcError, PasswordRequired
from py7zr.io import Py7zIO, WriterFactory

from backoffice.services.viruslab.unpacking.limits import Cap, Meter, StorageFailed, describe
from backoffice.services.viruslab.unpacking.outcome import Damaged, LimitExceeded, WrongPassword
from backoffice.web import format_bytes

LZMA1, LZMA2, PPMD = b"\x03\x01\x01", b"\x21", b"\x03\x04\x01"  # 7z method ids (7-Zip's Methods.txt)
MAX_DECODER_MEMORY = 256 * 1024 * 1024  # 7-Zip's own -mx9 asks for 64 MB; far more is an attack on memory


def read_7z(path: Path, meter: Meter, passwords: tuple[bytes, ...]) -> None:
    try:
        with _open(path, None) as archive:  # headers in the clear: list them without a password
            if not archive.needs_password():
                return _extract(archive, meter)
    except PasswordRequired:
        pass  # encrypted headers: even the list needs the password
    except CrcError as error:
        raise Damaged(f"CRC mismatch in {str(error.args[-1])[:100]}") from error
    except Bad7zFile as error:
        raise Damaged(_header_damage(str(error))) from error
    failures = []
    for password in passwords:
        try:
            with _open(path, password) as archive:
                return _extract(archive, meter)
        except (LimitExceeded, WrongPassword, StorageFailed):
            raise
        except Exception as error:  # noqa: BLE001  the wrong key makes garbage, which fails wherever it is read
            failures.append(describe(error))
            meter.forget()
    raise WrongPassword("encrypted, and none of the agreed passwords opens it (or it is damaged: "
                        f"{failures[-1] if failures else 'no password configured'})")


def _header_damage(message: str) -> str:
    if "exceeds the archive size" in message:  # py7zr's words when the end holding the headers is missing
        return f"truncated: {message}"
    return f"damaged 7z headers: {message}"


@contextmanager
def _open(path: Path, password: bytes | None):
    """Given a file object rather than a path, py7zr decodes on this thread, in order, where our exceptions (and
    the application context the blob store needs) reach; given a path it spreads folders over threads."""
    with open(path, "rb") as file, py7zr.SevenZipFile(file, password=password and password.decode()) as archive:
        yield archive


def _extract(archive: py7zr.SevenZipFile, meter: Meter) -> None:
    _check_decoder_memory(archive)
    listed = [info for info in archive.list() if not info.is_directory]
    sizes = {info.filename: (info.uncompressed, info.compressed) for info in listed}
    meter.declare([(info.filename, info.uncompressed, info.compressed) for info in listed])
    factory = _SpoolFactory(meter, sizes)
    try:
        archive.extractall(factory=factory)
    finally:
        factory.discard()


def _check_decoder_memory(archive: py7zr.SevenZipFile) -> None:
    """LZMA's dictionary and PPMd's model are allocated as the headers ask, up to 4 GB, before one byte is out."""
    streams = getattr(archive.header, "main_streams", None)
    folders = streams.unpackinfo.folders if streams is not None else []
    for folder in folders:
        for coder in folder.coders:
            needed = _decoder_memory(coder.get("method"), coder.get("properties") or b"")
            if needed > MAX_DECODER_MEMORY:
                raise LimitExceeded(f"needs {format_bytes(needed)} of memory to decode")


def _decoder_memory(method: bytes | None, properties: bytes) -> int:
    if method == LZMA2 and properties:  # one byte: 40 means 4 GB - 1, else 2 or 3 times a power of two
        bits = properties[0]
        return 0xFFFFFFFF if bits >= 40 else (2 | (bits & 1)) << (bits // 2 + 11)
    if method in (LZMA1, PPMD) and len(properties) >= 5:  # LZMA: lc/lp/pb, dictionary; PPMd: order, memory
        return int.from_bytes(properties[1:5], "little")
    return 0


class _SpoolFactory(WriterFactory):
    def __init__(self, meter: Meter, sizes: dict[str, tuple[int, int | None]]):
        self.meter = meter
        self.sizes = sizes
        self.spools: list[_Spool] = []

    def create(self, filename: str) -> Py7zIO:
        if filename not in self.sizes:  # a directory, or a name the listing does not have: spooled, not kept
            spool = _Spool(filename, Cap(0, Damaged(f"unlisted member {filename[:100]}")), None)
        else:
            size, packed = self.sizes[filename]
            spool = _Spool(filename, self.meter.cap(filename, size, packed), self)
        self.spools.append(spool)
        return spool

    def discard(self) -> None:
        """py7zr does not close the member it was decoding when decoding fails: drop every spool left open."""
        for spool in self.spools:
            spool.file.close()

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
