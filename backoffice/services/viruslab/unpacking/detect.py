"""Which archive format a file is, from its first bytes, never from its name (customers rename freely)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class Format(StrEnum):
    ZIP = "zip"
    SEVEN_ZIP = "7z"
    RAR4 = "rar4"
    RAR5 = "rar5"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"


# a zip may begin with a local header, an empty archive's end record, or a spanning marker
_MAGIC = [
    (b"PK\x03\x04", Format.ZIP), (b"PK\x05\x06", Format.ZIP), (b"PK\x07\x08", Format.ZIP),
    (b"7z\xbc\xaf\x27\x1c", Format.SEVEN_ZIP),
    (b"Rar!\x1a\x07\x00", Format.RAR4),
    (b"Rar!\x1a\x07\x01\x00", Format.RAR5),
    (b"\x1f\x8b", Format.GZIP),
    (b"BZh", Format.BZIP2),
    (b"\xfd7zXZ\x00", Format.XZ),
]
TAR_MAGIC_OFFSET = 257
SNIFF_BYTES = 512  # a tar header


def sniff(head: bytes) -> Format | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if is_tar_header(head):
        return Format.TAR
    return None


def is_tar_header(head: bytes) -> bool:
    """POSIX `ustar\\x0000` and GNU `ustar  \\x00` both start with `ustar`."""
    return head[TAR_MAGIC_OFFSET:TAR_MAGIC_OFFSET + 5] == b"ustar"


def format_of(path: Path) -> Format | None:
    with open(path, "rb") as file:
        return sniff(file.read(SNIFF_BYTES))
