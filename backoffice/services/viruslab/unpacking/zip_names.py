"""A zip member's name as its writer meant it.

APPNOTE 4.4.4 and appendix D: the name is UTF-8 when general purpose bit 11 is set, cp437 otherwise, unless an
Info-ZIP Unicode Path extra field (0x7075) carries the UTF-8 name along with the CRC-32 of the header's raw name
(so a tool that renamed the entry without updating the extra field does not get the stale name shown). zipfile
ignores the field. Info-ZIP `zip` 3.0 on Linux writes the UTF-8 name without bit 11, with or (Debian's build)
without the field; zipfile shows such names as cp437 mojibake. So a name without the flag or a valid field is
read as UTF-8 when its bytes are valid UTF-8 and not plain ASCII, and as cp437 otherwise: real cp437 names are
practically never valid multi-byte UTF-8 (a byte over 0x7F alone, as in `\x82` for é, never is).
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
    if info.flag_bits & UTF8_FLAG or raw.isascii():
        return info.orig_filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return info.orig_filename  # cp437, as zipfile decoded it


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
