"""Zip: the central directory through pyzipper, each member read here, decrypted and decompressed in bounded steps.

pyzipper parses the directory (zip64 included) and checks passwords (ZipCrypto, WinZip AES); reading members is
our own loop because its reader cannot bound bzip2/LZMA output and knows neither deflate64 nor PPMd. The sizes and
CRC of the central directory are trusted only as limits: a member that unpacks to more, or less, is damaged.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import pyzipper
from pyzipper.zipfile import CRCZipDecrypter
from pyzipper.zipfile_aes import AESZipDecrypter

from backoffice.services.viruslab.unpacking.limits import Meter
from backoffice.services.viruslab.unpacking.outcome import Damaged, WrongPassword
from backoffice.services.viruslab.unpacking.zip_codecs import decoder_for
from backoffice.services.viruslab.unpacking.zip_names import member_name

LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length (APPNOTE 4.3.7)
LOCAL_SIGNATURE = b"PK\x03\x04"
ENCRYPTED, STRONG_ENCRYPTION = 0x1, 0x40
READ_SIZE = 64 * 1024


def read_zip(path: Path, meter: Meter, passwords: tuple[bytes, ...]) -> None:
    try:
        archive = pyzipper.AESZipFile(path)
    except pyzipper.BadZipFile as error:
        raise Damaged(_directory_damage(str(error))) from error
    with archive, open(path, "rb") as raw:
        files = [info for info in archive.infolist() if not info.is_dir()]
        names = [member_name(info) for info in files]
        meter.declare([(name, info.file_size, info.compress_size) for name, info in zip(names, files, strict=True)])
        passwords = list(passwords)
        for name, info in zip(names, files, strict=True):
            meter.store(name, _open(raw, info, name, passwords), info.file_size, info.compress_size)


def _directory_damage(message: str) -> str:
    if message == "File is not a zip file":  # zipfile's words for "no end of central directory record"
        return "truncated: end of central directory not found"
    return f"damaged central directory: {message}"


def _open(raw: BinaryIO, info, name: str, passwords: list[bytes]) -> MemberStream:
    """The member's stream, trying the agreed passwords in order; the one that worked moves to the front."""
    if not info.flag_bits & ENCRYPTED:
        return MemberStream(raw, info, name, None)
    for password in list(passwords):
        try:
            stream = MemberStream(raw, info, name, password)
        except WrongPassword:
            continue
        passwords.remove(password)
        passwords.insert(0, password)
        return stream
    raise WrongPassword(f"encrypted with a password other than the agreed ones ({name[:100]})")


class MemberStream:
    """One member's unpacked bytes, read in bounded steps; checks size, CRC and (AES) the HMAC at its end."""

    def __init__(self, raw: BinaryIO, info, name: str, password: bytes | None):
        self.raw, self.info, self.name = raw, info, name
        if info.flag_bits & STRONG_ENCRYPTION:
            raise Damaged(f"unsupported: PKWARE strong encryption ({name[:100]})")
        raw.seek(info.header_offset)
        header = raw.read(LOCAL_HEADER.size)
        if len(header) < LOCAL_HEADER.size or header[:4] != LOCAL_SIGNATURE:
            raise Damaged(f"local header missing for {name[:100]}")
        _signature, name_length, extra_length = LOCAL_HEADER.unpack(header)
        raw.seek(name_length + extra_length, 1)
        self.left = info.compress_size  # compressed bytes still to read
        self.decrypter = self._decrypter(password) if info.flag_bits & ENCRYPTED else None
        self.decoder = decoder_for(info.compress_type, name, info.file_size)
        self.crc = 0
        self.size = 0
        self.finished = False

    def _decrypter(self, password: bytes | None):
        aes = self.info.wz_aes_version is not None
        header_length = AESZipDecrypter.encryption_header_length(self.info) if aes else 12
        header = self.raw.read(header_length)
        if len(header) < header_length:
            raise Damaged(f"truncated in {self.name[:100]}")
        self.left -= header_length + (AESZipDecrypter.hmac_size if aes else 0)
        try:
            return (AESZipDecrypter if aes else CRCZipDecrypter)(self.info, password, header)
        except RuntimeError:  # pyzipper's "Bad password": the check byte or verifier does not match
            raise WrongPassword(f"encrypted with a password other than the agreed ones ({self.name[:100]})") from None

    def read(self, size: int = -1) -> bytes:
        size = READ_SIZE if size is None or size < 0 else size
        while not self.finished:
            data = self.decoder.read(size)
            if data:
                self.crc = zlib.crc32(data, self.crc)
                self.size += len(data)
                return data
            if self.decoder.eof or self.left <= 0:
                self._finish()
                break
            self._feed()
        return b""

    def _feed(self) -> None:
        chunk = self.raw.read(min(READ_SIZE, self.left))
        if not chunk:
            raise Damaged(f"truncated in {self.name[:100]}")
        self.left -= len(chunk)
        self.decoder.feed(self.decrypter.decrypt(chunk) if self.decrypter else chunk)

    def _finish(self) -> None:
        self.finished = True
        if self.size != self.info.file_size:
            raise Damaged(f"{self.name[:100]} unpacks to {self.size} bytes, its header says {self.info.file_size}")
        aes_v2 = getattr(self.info, "wz_aes_version", None) == 2
        if not aes_v2 and self.crc != self.info.CRC:  # AE-2 stores no CRC: its HMAC covers the data instead
            raise Damaged(f"CRC mismatch in {self.name[:100]}")
        if isinstance(self.decrypter, AESZipDecrypter):
            while self.left > 0:  # the HMAC covers every encrypted byte, padding after the stream's end too
                chunk = self.raw.read(min(READ_SIZE, self.left))
                if not chunk:
                    raise Damaged(f"truncated in {self.name[:100]}")
                self.left -= len(chunk)
                self.decrypter.decrypt(chunk)
            try:
                self.decrypter.check_hmac(self.raw.read(AESZipDecrypter.hmac_size))
            except pyzipper.BadZipFile:
                raise Damaged(f"authentication code mismatch in {self.name[:100]}") from None
