"""Zip files for Virus Lab tests: plain, AES and ZipCrypto (written here: pyzipper only writes AES), bombs."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

from backoffice.seeding.viruslab import eicar_bytes, encrypted_zip  # noqa: F401  re-exported for the tests


def plain_zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def nested_zip(data: bytes, levels: int) -> bytes:
    """`data` wrapped in `levels` zips, one inside the other."""
    for level in range(levels):
        data = plain_zip({f"level{level}.bin" if level == 0 else f"level{level}.zip": data})
    return data


class _ZipCrypto:
    """The traditional PKWARE stream cipher (APPNOTE 6.1), for writing test archives."""

    def __init__(self, password: bytes):
        self.keys = [0x12345678, 0x23456789, 0x34567890]
        for byte in password:
            self._update(byte)

    @staticmethod
    def _crc(crc: int, byte: int) -> int:
        return zlib.crc32(bytes([byte]), crc ^ 0xFFFFFFFF) ^ 0xFFFFFFFF

    def _update(self, byte: int) -> None:
        k0, k1, k2 = self.keys
        k0 = self._crc(k0, byte)
        k1 = ((k1 + (k0 & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k2 = self._crc(k2, k1 >> 24)
        self.keys = [k0, k1, k2]

    def encrypt(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            temp = (self.keys[2] | 2) & 0xFFFF
            out.append(byte ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
            self._update(byte)
        return bytes(out)


def zipcrypto_zip(members: dict[str, bytes], password: str = "infected") -> bytes:
    """A deflated zip whose members are encrypted with ZipCrypto."""
    body, central = bytearray(), bytearray()
    for name, data in members.items():
        raw_name = name.encode()
        crc = zlib.crc32(data)
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        compressed = compressor.compress(data) + compressor.flush()
        cipher = _ZipCrypto(password.encode())
        payload = cipher.encrypt(os.urandom(11) + bytes([crc >> 24])) + cipher.encrypt(compressed)
        offset = len(body)
        fields = (20, 0x1, 8, 0, 0x21, crc, len(payload), len(data), len(raw_name), 0)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + raw_name + payload
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x1, 8, 0, 0x21, crc, len(payload),
                               len(data), len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(body), 0)
    return bytes(body + central + end)
