"""What unpacking one archive comes to: its state, a note for the analyst, and the members it stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from backoffice.storage import StoredBlob


class Member(NamedTuple):
    """One file found in an archive: its name in the archive (raw, see names.stored_name) and its stored bytes."""

    name: str
    blob: StoredBlob


@dataclass
class Unpacked:
    state: str  # an ArchiveState
    note: str | None = None  # which limit, which password problem, or what is damaged
    members: list[Member] = field(default_factory=list)


class Refusal(Exception):
    """Unpacking stops here and the archive is kept whole; the message becomes the note."""


class LimitExceeded(Refusal):
    pass


class WrongPassword(Refusal):
    pass


class Damaged(Refusal):
    """Truncated, failing a check, or in a method no reader here supports."""
