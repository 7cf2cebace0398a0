"""A zip member's name as its writer meant it.

APPNOTE 4.4.4 and appendix D: the name is UTF-8 when general purpose bit 11 is set, cp437 otherwise, unless an
Info-ZIP Unicode Path extra field (0x7075) carries the UTF-8 name along with the CRC-32 of the header's raw name
(so a tool that renamed the entry without updating the extra field does not get the stale name shown). Info-ZIP
`zip` on Linux writes UTF-8 names without bit 11 but with this field; zipfile ignores it and shows mojibake.
"""

from __future__ import annotations

import struct
import zlib
from zipfile import ZipInfo

UTF8_FLAG = 0x800
UNICODE_PATH_EXTRA = 0x7075


def member_name(info: ZipInfo) -> str:
    raw = raw_name(info)
    unicode_path = _unicode_path(info.extra, raw)
    if unicode_path is not None:
        return unicode_path
    return info.orig_filename


def raw_name(info: ZipInfo) -> bytes:
    """The header's bytes, recovered from zipfile's decoding (cp437 maps every byte, so this is exact)."""
    return info.orig_filename.encode("utf-8" if info.flag_bits & UTF8_FLAG else "cp437")


def _unicode_path(extra: bytes, raw: bytes) -> str | None:
    for field_id, data in _extra_fields(extra):
        if field_id == UNICODE_PATH_EXTRA and len(data) >= 5 and data[0] == 1:
            (name_crc,) = struct.unpack("<I", data[1:5])
            if name_crc == zlib.crc32(raw):
                try:
                    return data[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
    return None


def _extra_fields(extra: bytes):
    offset = 0
    while offset + 4 <= len(extra):
        field_id, size = struct.unpack("<HH", extra[offset:offset + 4])
        yield field_id, extra[offset + 4:offset + 4 + size]
        offset += 4 + size
