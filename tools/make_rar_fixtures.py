"""Minimal RAR4 and RAR5 archives with stored (uncompressed) members, written from the format specifications.

No `rar` binary is free to ship, so the Virus Lab tests build their RAR samples here. Only the store method is
written (compressing needs RAR's own encoder); the files are checked against `lsar`/`unar`/`bsdtar` in the tests.

- RAR 4.x (technote.txt of RAR 3.x/4.x): marker block, archive header, a file header (type 0x74) per member
  followed by its bytes, end-of-archive block. Each header's CRC is the low 16 bits of the CRC-32 of the header
  from its type byte on.
- RAR 5.0 (rarlab.com/technote.htm): signature, then headers of `CRC-32, size (vint), type (vint), flags (vint),
  ...`, the CRC covering everything after itself; a file header's data area follows it. With a header password
  (what `rar -hp` does to the headers), an archive encryption header comes first (AES-256, PBKDF2-HMAC-SHA256
  salt and rounds, password check value) and every later header is AES-256-CBC encrypted after its own IV; each
  member's data is AES-256-CBC encrypted too, described by a file encryption extra record.

Usage: `python tools/make_rar_fixtures.py DIR` writes DIR/old-format.rar, DIR/new-format.rar and
DIR/encrypted.rar (headers and data, password `infected`)
(names that differ in more than digits: unar takes `v4-x.rar` and `v5-x.rar` side by side for two volumes).
"""

from __future__ import annotations

import hashlib
import os
import struct
import sys
import zlib
from pathlib import Path

RAR4_MARKER = b"Rar!\x1a\x07\x00"
RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"
DOS_TIME_2026_01_02 = (46 << 25) | (1 << 21) | (2 << 16)  # 2026-01-02 00:00:00 as MS-DOS date and time
SAMPLE_MEMBERS = {"readme.txt": b"stored in a RAR archive\n", "payload.bin": bytes(range(256)) * 4}


def rar4_archive(members: dict[str, bytes]) -> bytes:
    out = bytearray(RAR4_MARKER)
    out += _rar4_block(0x73, 0x0000, struct.pack("<HI", 0, 0))  # archive header: two reserved fields
    for name, data in members.items():
        # as WinRAR writes it: host OS 2 (Windows), `\` between path parts, the archive attribute; non-ASCII names
        # need RAR4's own Unicode encoding, so RAR5 (plain UTF-8) carries those tests
        raw_name = name.replace("/", "\\").encode("ascii")
        fields = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), DOS_TIME_2026_01_02,
                             20, 0x30, len(raw_name), 0x20) + raw_name
        out += _rar4_block(0x74, 0x8000, fields) + data  # 0x8000: a data area follows; method 0x30: store
    out += _rar4_block(0x7B, 0x4000, b"")  # end of archive
    return bytes(out)


def _rar4_block(block_type: int, flags: int, fields: bytes) -> bytes:
    body = struct.pack("<BHH", block_type, flags, 7 + len(fields)) + fields
    return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body


def rar5_archive(members: dict[str, bytes], password: str | None = None, encrypt_headers: bool = True) -> bytes:
    """With `password`, what `rar -hp` writes (encrypted headers and data), or `rar -p` without encrypt_headers."""
    out = bytearray(RAR5_SIGNATURE)
    crypto = None if password is None else _Rar5Crypto(password)
    if crypto and encrypt_headers:
        out += _rar5_header(4, 0, crypto.archive_encryption_fields())
    seal = crypto.seal_header if crypto and encrypt_headers else (lambda header: header)
    out += seal(_rar5_header(1, 0, vint(0)))  # main archive header, no archive flags
    for name, data in members.items():
        raw_name = name.encode("utf-8")
        fields = (vint(0x0004) + vint(len(data)) + vint(0o100644) + struct.pack("<I", zlib.crc32(data))
                  + vint(0) + vint(1) + vint(len(raw_name)) + raw_name)
        # file flags 0x4: data CRC-32 present; compression info 0: version 0, store; host OS 1: Unix
        extra, stored = b"", data
        if crypto:
            extra, stored = crypto.encrypt_file(data)
        out += seal(_rar5_header(2, 0x0002, fields, data_size=len(stored), extra=extra)) + stored
    out += seal(_rar5_header(5, 0, vint(0)))  # end of archive
    return bytes(out)


KDF_SHIFT = 15  # PBKDF2 rounds as a power of two: RAR's own default


class _Rar5Crypto:
    """AES-256 with a PBKDF2-HMAC-SHA256 key, and the password check value that lets a reader refuse a wrong
    password at once: PBKDF2 with 32 more rounds folded to 8 bytes, plus 4 bytes of its SHA-256."""

    def __init__(self, password: str):
        self.salt = os.urandom(16)
        secret = password.encode("utf-8")
        self.key = hashlib.pbkdf2_hmac("sha256", secret, self.salt, 1 << KDF_SHIFT)
        check = bytearray(8)
        for index, byte in enumerate(hashlib.pbkdf2_hmac("sha256", secret, self.salt, (1 << KDF_SHIFT) + 32)):
            check[index % 8] ^= byte
        self.check_value = bytes(check) + hashlib.sha256(check).digest()[:4]

    def archive_encryption_fields(self) -> bytes:
        # encryption version 0 (AES-256), flag 0x1: check value present
        return vint(0) + vint(0x0001) + bytes([KDF_SHIFT]) + self.salt + self.check_value

    def seal_header(self, header: bytes) -> bytes:
        iv = os.urandom(16)
        return iv + self._encrypt(header, iv)

    def encrypt_file(self, data: bytes) -> tuple[bytes, bytes]:
        """The file encryption extra record (type 0x01) and the encrypted data; flag 0x1 without 0x2 keeps the
        plain CRC-32 of the unencrypted data."""
        iv = os.urandom(16)
        record = vint(0x01) + vint(0) + vint(0x0001) + bytes([KDF_SHIFT]) + self.salt + iv + self.check_value
        return vint(len(record)) + record, self._encrypt(data, iv)

    def _encrypt(self, data: bytes, iv: bytes) -> bytes:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(iv)).encryptor()
        return encryptor.update(data + bytes(-len(data) % 16)) + encryptor.finalize()


def _rar5_header(header_type: int, flags: int, fields: bytes, data_size: int | None = None,
                 extra: bytes = b"") -> bytes:
    flags |= 0x0001 if extra else 0  # an extra area follows the fields
    sizes = (vint(len(extra)) if extra else b"") + (vint(data_size) if data_size is not None else b"")
    body = vint(header_type) + vint(flags) + sizes + fields + extra
    sized = vint(len(body)) + body
    return struct.pack("<I", zlib.crc32(sized)) + sized


def vint(value: int) -> bytes:
    """RAR5's variable-length integer: 7 bits a byte, low bits first, the high bit set on all but the last."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def main(directory: str) -> None:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    (target / "old-format.rar").write_bytes(rar4_archive(SAMPLE_MEMBERS))
    (target / "new-format.rar").write_bytes(rar5_archive(SAMPLE_MEMBERS))
    (target / "encrypted.rar").write_bytes(rar5_archive(SAMPLE_MEMBERS, password="infected"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
