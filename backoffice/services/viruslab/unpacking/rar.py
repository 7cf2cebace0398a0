"""RAR4 and RAR5 through rarfile: headers parsed in Python, stored members read in Python, compressed or encrypted
members decoded by `unar` (the free RAR decoder Debian ships; rarfile is told to use it and nothing else).

rarfile starts `unar` itself (an argument list, no shell, output to a pipe, never to a path), without a timeout:
a watchdog kills it when a member takes longer than TOOL_TIMEOUT_SECONDS, which ends the read as damaged.
(`unar` reads a neighbouring file as a further volume only if its name differs from the archive's in digits
alone: blobs are named by their SHA-256, and rarfile's temporary copies get random names.)
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import rarfile

from backoffice.services.viruslab.unpacking.limits import Meter
from backoffice.services.viruslab.unpacking.outcome import Damaged, WrongPassword

TOOL_TIMEOUT_SECONDS = 120


def read_rar(path: Path, meter: Meter, passwords: tuple[bytes, ...]) -> None:
    _use_unar()
    try:
        archive = rarfile.RarFile(path, errors="strict")
    except rarfile.NeedFirstVolume as error:
        raise Damaged(f"a later volume of a multi-volume RAR: {error}") from error
    except rarfile.RarWrongPassword as error:
        raise WrongPassword("encrypted with a password other than the agreed ones") from error
    except (rarfile.Error, EOFError) as error:
        raise Damaged(f"damaged RAR headers: {error}") from error
    with archive:
        headers_encrypted = archive.needs_password() and not archive.infolist()  # nothing listed without the key
        header_password = _set_password(archive, passwords) if headers_encrypted else None
        files = [info for info in archive.infolist() if info.is_file()]
        meter.declare([(info.filename, info.file_size, info.compress_size) for info in files])
        for info in files:
            _store(archive, info, meter, [header_password] if header_password else list(passwords))


def _store(archive: rarfile.RarFile, info: rarfile.RarInfo, meter: Meter, passwords: list[str | bytes]) -> None:
    """One member; encrypted data is tried with each candidate password (the one its headers took, if they
    were encrypted), as only the decoder finds out whether a password fits the data."""
    if not info.needs_password():
        passwords = [None]
    for attempt, password in enumerate(passwords):
        try:
            with _Watched(archive.open(info, pwd=password), info.filename, info.needs_password()) as stream:
                return meter.store(info.filename, stream, info.file_size, info.compress_size)
        except WrongPassword:
            if attempt == len(passwords) - 1:
                raise
    raise WrongPassword(f"{info.filename[:100]} is encrypted and no password is agreed")


def _set_password(archive: rarfile.RarFile, passwords: tuple[bytes, ...]) -> str:
    """Encrypted headers are checked here (RAR5 carries a check value); encrypted file data only when `unar`
    decodes it, where a wrong password shows as a failed CRC."""
    for password in passwords:
        try:
            archive.setpassword(password.decode())
            archive.infolist()
            return password.decode()
        except (rarfile.RarWrongPassword, rarfile.BadRarFile):
            continue
    raise WrongPassword("encrypted with a password other than the agreed ones")


_tool_lock = threading.Lock()


def _use_unar() -> None:
    with _tool_lock:
        if rarfile.CURRENT_SETUP is None:
            rarfile.UNAR_TOOL = shutil.which("unar") or "unar"
            rarfile.tool_setup(unrar=False, unar=True, bsdtar=False, sevenzip=False, sevenzip2=False, force=True)


class _Watched:
    """A member's stream whose decoding process (if rarfile started one) is killed once the timeout has passed,
    and whose failed checks are named."""

    def __init__(self, stream, name: str, encrypted: bool):
        self.stream = stream
        self.name = name[:100]
        self.encrypted = encrypted
        self.timed_out = False
        self.timer = threading.Timer(TOOL_TIMEOUT_SECONDS, self._kill)
        self.timer.daemon = True

    def __enter__(self):
        self.timer.start()
        return self

    def read(self, size: int = -1) -> bytes:
        try:
            data = self.stream.read(size)
        except rarfile.Error as error:  # a failed CRC, or unar giving up (or killed)
            if self.timed_out:
                raise Damaged(f"decoding {self.name} took longer than {TOOL_TIMEOUT_SECONDS} s") from error
            if self.encrypted:  # no way to tell a wrong key from damage: the key is the likelier culprit
                raise WrongPassword(f"{self.name} is encrypted with a password other than the agreed ones "
                                    f"(or damaged: {error})"[:255]) from error
            if "CRC check failed" in str(error):
                raise Damaged(f"CRC mismatch in {self.name}") from error
            raise Damaged(f"damaged data in {self.name}: {error}") from error
        if self.timed_out:
            raise Damaged(f"decoding {self.name} took longer than {TOOL_TIMEOUT_SECONDS} s")
        return data

    def __exit__(self, *exc_info) -> None:
        self.timer.cancel()
        self.stream.close()

    def _kill(self) -> None:
        process = getattr(self.stream, "_proc", None)  # rarfile's PipeReader keeps its Popen here
        if process is not None:
            self.timed_out = True
            process.kill()
