"""Opening zip samples safely: the agreed password, streaming members one at a time under hard limits.

An archive past a limit (members, unpacked bytes over the whole tree, compression ratio, nesting depth), with
a password other than the agreed one, or damaged, is kept whole and flagged: its members are not linked.
Members are streamed into the blob store with a byte cap, never read into memory whole.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyzipper
from flask import current_app

from backoffice.models import ArchiveState
from backoffice.storage import BlobTooLarge, StoredBlob, store_stream
from backoffice.web import format_bytes

# Tiny members of repeated bytes compress far beyond any ratio limit; the ratio only matters for big members.
RATIO_CHECK_MIN_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_total_bytes: int
    max_ratio: int
    max_depth: int
    password: bytes

    @classmethod
    def from_config(cls) -> ArchiveLimits:
        config = current_app.config
        return cls(config["ARCHIVE_MAX_MEMBERS"], config["ARCHIVE_MAX_TOTAL_BYTES"], config["ARCHIVE_MAX_RATIO"],
                   config["ARCHIVE_MAX_DEPTH"], config["SAMPLE_ZIP_PASSWORD"].encode())


@dataclass
class Budget:
    """What is left to unpack for one submission: shared by every nested archive, so depth cannot multiply it."""

    members: int
    bytes: int

    @classmethod
    def of(cls, limits: ArchiveLimits) -> Budget:
        return cls(limits.max_members, limits.max_total_bytes)


@dataclass
class Unpacked:
    state: str
    note: str | None = None
    members: list[tuple[str, StoredBlob]] = field(default_factory=list)


class _LimitExceeded(Exception):
    pass


# what a damaged or unsupported zip raises while being read
_UNREADABLE = (zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError, OSError)


def unpack(path: Path, depth: int, limits: ArchiveLimits, budget: Budget) -> Unpacked:
    """Unpack the zip at `path` (at nesting `depth`, 0 for what the customer sent) into the blob store."""
    if not zipfile.is_zipfile(path):
        return Unpacked(ArchiveState.NOT_ARCHIVE)
    if depth >= limits.max_depth:
        return Unpacked(ArchiveState.LIMIT_EXCEEDED, f"nested deeper than {limits.max_depth} archives")
    try:
        with pyzipper.AESZipFile(path) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            _check_declared(members, limits, budget)
            unpacked = Unpacked(ArchiveState.EXTRACTED)
            spent = Budget(0, 0)
            for info in members:
                blob = _stream_member(archive, info, limits, budget.bytes - spent.bytes)
                spent.members += 1
                spent.bytes += blob.size
                unpacked.members.append((info.filename[:1024], blob))
    except _LimitExceeded as limit:
        return Unpacked(ArchiveState.LIMIT_EXCEEDED, str(limit))
    except RuntimeError as error:
        if "password" in str(error).lower():  # encrypted with another password, or a password is required
            return Unpacked(ArchiveState.WRONG_PASSWORD, "encrypted with a password other than the agreed one")
        raise
    except _UNREADABLE as error:
        return Unpacked(ArchiveState.DAMAGED, f"cannot be read: {error}"[:255])
    budget.members -= spent.members
    budget.bytes -= spent.bytes
    return unpacked


def _check_declared(members: list[zipfile.ZipInfo], limits: ArchiveLimits, budget: Budget) -> None:
    """Refuse from the central directory alone, before a single byte is unpacked."""
    if len(members) > budget.members:
        raise _LimitExceeded(f"more than {limits.max_members} members")
    declared = sum(info.file_size for info in members)
    if declared > budget.bytes:
        raise _LimitExceeded(f"unpacks to more than {format_bytes(limits.max_total_bytes)}")
    for info in members:
        if info.file_size >= RATIO_CHECK_MIN_BYTES and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise _LimitExceeded(f"compressed more than {limits.max_ratio}:1 ({info.filename[:100]})")


def _stream_member(archive: pyzipper.AESZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits,
                   bytes_left: int) -> StoredBlob:
    """One member into the store. The zip reader stops at the declared size and checks the CRC, and the store
    stops at what is left of the budget: a lying header cannot make either read more."""
    cap = min(bytes_left, info.file_size)
    if info.file_size >= RATIO_CHECK_MIN_BYTES:
        cap = min(cap, limits.max_ratio * max(info.compress_size, 1))
    try:
        with archive.open(info, pwd=limits.password) as member:
            return store_stream(member, max_bytes=cap)
    except BlobTooLarge:
        raise _LimitExceeded(f"a member unpacks past its limit ({info.filename[:100]})") from None
