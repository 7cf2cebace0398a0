"""The per-submission limits, what is left of them, and the meter every format reader stores members through.

The budget is shared by every archive of one submission, at every level, so nesting cannot multiply it. An archive
spends from it only once it is unpacked whole: one that is flagged links none of its members, so costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from backoffice.services.viruslab.names import stored_name
from backoffice.services.viruslab.unpacking.outcome import Damaged, LimitExceeded, Member, Refusal
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
    passwords: tuple[bytes, ...]  # tried in this order

    @classmethod
    def from_config(cls) -> ArchiveLimits:
        config = current_app.config
        return cls(config["ARCHIVE_MAX_MEMBERS"], config["ARCHIVE_MAX_TOTAL_BYTES"], config["ARCHIVE_MAX_RATIO"],
                   config["ARCHIVE_MAX_DEPTH"], tuple(password.encode() for password in config["ARCHIVE_PASSWORDS"]))


@dataclass
class Budget:
    """What is left to unpack for one submission."""

    members: int
    bytes: int

    @classmethod
    def of(cls, limits: ArchiveLimits) -> Budget:
        return cls(limits.max_members, limits.max_total_bytes)


class StorageFailed(Exception):
    """Writing to the blob store failed: the machine's problem, not the archive's, so it is not a verdict."""


@dataclass(frozen=True)
class Cap:
    """How many bytes one member may unpack to, and what it means to go past that."""

    max_bytes: int
    reason: Refusal


class Meter:
    """Stores one archive's members under the limits and keeps the tally until the archive is done."""

    def __init__(self, limits: ArchiveLimits, budget: Budget, archive_size: int):
        self.limits = limits
        self.budget = budget
        self.archive_size = archive_size  # the packed size of a member whose own packed size is unknown
        self.members: list[Member] = []
        self.bytes = 0

    def declare(self, sizes: list[tuple[str, int, int | None]]) -> None:
        """Refuse from the headers alone, before a single byte is unpacked: (name, unpacked size, packed size)."""
        if len(sizes) > self.budget.members:
            raise LimitExceeded(f"more than {self.limits.max_members} members")
        if sum(size for _name, size, _packed in sizes) > self.budget.bytes:
            raise LimitExceeded(f"unpacks to more than {format_bytes(self.limits.max_total_bytes)}")
        for name, size, packed in sizes:
            if size >= RATIO_CHECK_MIN_BYTES and size > self._ratio_bytes(packed):
                raise self._too_compressed(name)

    def cap(self, name: str, size: int | None, packed: int | None) -> Cap:
        """The tightest of: what is left of the budget, the ratio limit, and the size the header declares."""
        if len(self.members) >= self.budget.members:
            raise LimitExceeded(f"more than {self.limits.max_members} members")
        caps = [Cap(self.budget.bytes - self.bytes,
                    LimitExceeded(f"unpacks to more than {format_bytes(self.limits.max_total_bytes)}")),
                Cap(max(self._ratio_bytes(packed), RATIO_CHECK_MIN_BYTES - 1), self._too_compressed(name))]
        if size is not None:
            if size > caps[0].max_bytes:
                raise caps[0].reason
            caps.append(Cap(size, Damaged(f"{_short(name)} is larger than its header says")))
        return min(caps, key=lambda cap: cap.max_bytes)

    def store(self, name: str, stream: BinaryIO, size: int | None = None, packed: int | None = None) -> None:
        """Stream one member into the blob store under its cap; what the reader raises reading it is damage."""
        cap = self.cap(name, size, packed)
        try:
            blob = store_stream(_Reading(stream), max_bytes=cap.max_bytes)
        except BlobTooLarge:
            raise cap.reason from None
        except Refusal:
            raise
        except Exception as error:
            raise StorageFailed(str(error)) from error
        self.add(name, blob)

    def add(self, name: str, blob: StoredBlob) -> None:
        self.members.append(Member(stored_name(name), blob))
        self.bytes += blob.size

    def forget(self) -> None:
        """Start the archive over (another password): what was stored so far is not its members."""
        self.members = []
        self.bytes = 0

    def settle(self) -> list[Member]:
        """The archive is unpacked whole: spend what it took from the submission's budget."""
        self.budget.members -= len(self.members)
        self.budget.bytes -= self.bytes
        return self.members

    def _ratio_bytes(self, packed: int | None) -> int:
        return self.limits.max_ratio * max(packed if packed is not None else self.archive_size, 1)

    def _too_compressed(self, name: str) -> LimitExceeded:
        return LimitExceeded(f"compressed more than {self.limits.max_ratio}:1 ({_short(name)})")


class _Reading:
    """A member stream whose every failure is the archive's: any exception while reading becomes Damaged, so a
    storage failure (raised while writing) stays apart from it."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream

    def read(self, size: int = -1) -> bytes:
        try:
            return self.stream.read(size)
        except Refusal:
            raise
        except Exception as error:  # noqa: BLE001  every reader library has its own exceptions for bad bytes
            raise Damaged(describe(error)) from error


def describe(error: Exception) -> str:
    """A reader library's exception as a note: its own words, which name the check that failed."""
    text = str(error) or type(error).__name__
    if isinstance(error, Refusal):
        return text
    if isinstance(error, EOFError):  # the stdlib decompressors' way of saying the file stops mid-stream
        return f"truncated: {text}"
    return f"cannot be read: {text}"


def _short(name: str) -> str:
    return name[:100]
