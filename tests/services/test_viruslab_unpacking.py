"""Unpacking what customers send: every zip method and cipher, 7z, RAR4/RAR5, tar and single compressed streams,
names shown safely, damage named, and limits held across nesting levels with bounded memory.

Archives are built here by the real tools (Info-ZIP `zip`, `7zz`) or the standard library; RAR archives, which no
free tool writes, come from tools/make_rar_fixtures.py and are checked against `lsar`/`bsdtar` first.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import tarfile
import termios
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from backoffice.models import ArchiveState
from backoffice.services.viruslab.names import display_name, stored_name
from backoffice.services.viruslab.unpacking import ArchiveLimits, Budget, Unpacked, unpack
from backoffice.storage import open_blob
from tests.viruslab_files import encrypted_zip, plain_zip, zipcrypto_zip
from tools.make_rar_fixtures import rar4_archive, rar5_archive

MB = 1024 * 1024
TEXT = b"The quick brown fox jumps over the lazy dog. " * 4000  # compresses well: every method really compresses
BINARY = bytes(range(256)) * 64 + os.urandom(4096)
MEMBERS = {"notes.txt": TEXT, "tool.bin": BINARY}

needs_7zz = pytest.mark.skipif(shutil.which("7zz") is None, reason="7zz (Debian package 7zip) is not installed")
needs_zip = pytest.mark.skipif(shutil.which("zip") is None, reason="Info-ZIP zip (Debian package zip) is missing")


def limits(**overrides) -> ArchiveLimits:
    values = {"max_members": 200, "max_total_bytes": 256 * MB, "max_ratio": 100, "max_depth": 3,
              "passwords": (b"infected",)}
    values.update(overrides)
    return ArchiveLimits(**values)


def unpack_bytes(tmp_path: Path, data: bytes, archive_limits: ArchiveLimits | None = None,
                 budget: Budget | None = None, depth: int = 0) -> Unpacked:
    path = tmp_path / "sample"
    path.write_bytes(data)
    return unpack_path(path, archive_limits, budget, depth)


def unpack_path(path: Path, archive_limits: ArchiveLimits | None = None, budget: Budget | None = None,
                depth: int = 0) -> Unpacked:
    archive_limits = archive_limits or limits()
    return unpack(path, depth, archive_limits, budget or Budget.of(archive_limits))


def contents(unpacked: Unpacked) -> dict[str, str]:
    """Member name to the SHA-256 of the bytes actually stored."""
    result = {}
    for name, blob in unpacked.members:
        with open_blob(blob.sha256) as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == blob.sha256
        result[name] = blob.sha256
    return result


def hashes(members: dict[str, bytes]) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in members.items()}


def write_files(directory: Path, members: dict[str, bytes]) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in members.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_bytes(data)
    return list(members)


def run(command: list[str], cwd: Path) -> None:
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(command, cwd=cwd, check=True, capture_output=True, timeout=120, env=env)


def seven_zip(tmp_path: Path, archive: str, members: dict[str, bytes], *switches: str) -> Path:
    source = tmp_path / "src"
    names = write_files(source, members)
    run(["7zz", "a", "-bd", *switches, str(tmp_path / archive), "--", *names], cwd=source)
    return tmp_path / archive


def info_zip(tmp_path: Path, members: dict[str, bytes], *switches: str) -> Path:
    source = tmp_path / "src"
    names = write_files(source, members)
    run(["zip", "-q", *switches, str(tmp_path / "info.zip"), "--", *names], cwd=source)
    return tmp_path / "info.zip"


# --- zip: methods, ciphers, passwords ---------------------------------------------------------------------------

@needs_7zz
@pytest.mark.parametrize("method, number", [("Copy", 0), ("Deflate", 8), ("Deflate64", 9), ("BZip2", 12),
                                            ("LZMA", 14), ("PPMd", 98)])
def test_every_zip_method_7zip_writes_unpacks_to_the_same_bytes(app, tmp_path, method, number):
    path = seven_zip(tmp_path, "methods.zip", MEMBERS, "-tzip", f"-mm={method}")
    with zipfile.ZipFile(path) as archive:  # the archive really uses the method under test
        assert archive.getinfo("notes.txt").compress_type == number
    unpacked = unpack_path(path)
    assert (unpacked.state, unpacked.note) == (ArchiveState.EXTRACTED, None)
    assert contents(unpacked) == hashes(MEMBERS)


@needs_7zz
@pytest.mark.parametrize("method", ["Deflate", "Deflate64", "PPMd"])
def test_aes_zips_from_7zip_open_with_infected(app, tmp_path, method):
    path = seven_zip(tmp_path, "aes.zip", MEMBERS, "-tzip", f"-mm={method}", "-mem=AES256", "-pinfected")
    unpacked = unpack_path(path)
    assert unpacked.state == ArchiveState.EXTRACTED
    assert contents(unpacked) == hashes(MEMBERS)


@needs_7zz
def test_zipcrypto_from_7zip_opens_with_infected(app, tmp_path):
    path = seven_zip(tmp_path, "zc.zip", MEMBERS, "-tzip", "-mem=ZipCrypto", "-pinfected")
    assert contents(unpack_path(path)) == hashes(MEMBERS)


@needs_zip
def test_info_zip_with_a_password_is_zipcrypto_and_opens_with_infected(app, tmp_path):
    path = info_zip(tmp_path, MEMBERS, "-P", "infected")
    with zipfile.ZipFile(path) as archive:
        assert all(info.flag_bits & 0x1 for info in archive.infolist())
    assert contents(unpack_path(path)) == hashes(MEMBERS)


def zip_e(tmp_path: Path, members: dict[str, bytes], password: bytes = b"infected") -> Path:
    """`zip -e`: the password typed at zip's two prompts, on a pseudo-terminal (zip reads it from the terminal).
    Each answer waits until zip has turned echo off: it flushes what was typed before, like any password prompt."""
    names = write_files(tmp_path / "src", members)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: zip, with the pseudo-terminal as its terminal
        os.chdir(tmp_path / "src")
        os.execvp("zip", ["zip", "-q", "-e", str(tmp_path / "prompted.zip"), "--", *names])
    prompts, answered, status, deadline = b"", 0, None, time.monotonic() + 30
    try:
        while status is None and time.monotonic() < deadline:
            finished, code = os.waitpid(pid, os.WNOHANG)
            if finished:
                status = code
                break
            if select.select([terminal], [], [], 0.1)[0]:
                try:
                    prompts += os.read(terminal, 1024)
                except OSError:  # zip closed the terminal on its way out: the next poll reaps it
                    continue
            try:
                echo_off = not termios.tcgetattr(terminal)[3] & termios.ECHO
            except termios.error:  # zip has just exited
                continue
            if prompts.count(b"password:") > answered and echo_off:  # "Enter password:", "Verify password:"
                os.write(terminal, password + b"\n")
                answered += 1
        if status is None:  # stuck at a prompt: never let a test hang
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
    finally:
        os.close(terminal)
    assert status == 0 and answered == 2, prompts
    return tmp_path / "prompted.zip"


@needs_zip
def test_info_zip_e_with_infected_typed_at_the_prompt_opens(app, tmp_path):
    path = zip_e(tmp_path, MEMBERS)
    with zipfile.ZipFile(path) as archive:
        assert all(info.flag_bits & 0x1 for info in archive.infolist())  # ZipCrypto
    assert contents(unpack_path(path)) == hashes(MEMBERS)


@pytest.mark.parametrize("make_zip", [encrypted_zip, zipcrypto_zip], ids=["aes", "zipcrypto"])
def test_another_password_is_a_wrong_password_not_damage(app, tmp_path, make_zip):
    unpacked = unpack_bytes(tmp_path, make_zip({"x.exe": b"MZ" + os.urandom(500)}, password="secret"))
    assert unpacked.state == ArchiveState.WRONG_PASSWORD
    assert unpacked.note == "encrypted with a password other than the agreed ones (x.exe)"
    assert unpacked.members == []


@needs_zip
def test_the_configured_passwords_are_tried_in_order(app, tmp_path):
    path = info_zip(tmp_path, {"a.txt": b"second password"}, "-P", "virus")
    assert unpack_path(path).state == ArchiveState.WRONG_PASSWORD
    unpacked = unpack_path(path, limits(passwords=(b"infected", b"virus")))
    assert contents(unpacked) == hashes({"a.txt": b"second password"})


def test_archive_passwords_come_from_the_environment(monkeypatch):
    from config import load_config

    assert load_config()["ARCHIVE_PASSWORDS"] == ["infected"]
    monkeypatch.setenv("BACKOFFICE_ARCHIVE_PASSWORDS", "infected,virus,malware")
    assert load_config()["ARCHIVE_PASSWORDS"] == ["infected", "virus", "malware"]


# --- names ------------------------------------------------------------------------------------------------------

@needs_zip
def test_info_zip_utf8_names_without_the_flag_come_out_right(app, tmp_path):
    path = info_zip(tmp_path, {"請求書.exe": b"MZ invoice"})
    with zipfile.ZipFile(path) as archive:
        (info,) = archive.infolist()
        assert not info.flag_bits & 0x800  # Info-ZIP on Linux: UTF-8 bytes, no UTF-8 flag
        assert info.filename != "請求書.exe"  # what zipfile alone shows: cp437 mojibake
    assert contents(unpack_path(path)) == hashes({"請求書.exe": b"MZ invoice"})


def zip_with_unicode_path(raw_name: str, unicode_name: str, crc_of: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(raw_name)
        field = struct.pack("<BI", 1, zlib.crc32(crc_of)) + unicode_name.encode()
        info.extra = struct.pack("<HH", 0x7075, len(field)) + field
        archive.writestr(info, b"MZ invoice")
    return buffer.getvalue()


def test_the_unicode_path_field_gives_the_real_name(app, tmp_path):
    # a legacy tool wrote "???.exe" for a name its code page lacks, and the real name in the 0x7075 field
    data = zip_with_unicode_path("???.exe", "請求書.exe", crc_of=b"???.exe")
    assert list(contents(unpack_bytes(tmp_path, data))) == ["請求書.exe"]


def test_a_stale_unicode_path_field_is_ignored(app, tmp_path):
    # the field was written for another name: a tool renamed the entry since, so its CRC no longer matches
    data = zip_with_unicode_path("renamed.txt", "spoof.exe", crc_of=b"original.txt")
    assert list(contents(unpack_bytes(tmp_path, data))) == ["renamed.txt"]


def test_utf8_flagged_and_cp437_names(app, tmp_path):
    data = bytearray(plain_zip({"résumé.pdf": b"flagged", "x.txt": b"cp437"}))
    for start in (data.find(b"x.txt"), data.rfind(b"x.txt")):  # both headers: byte 0x82 is é in cp437
        data[start] = 0x82
    assert list(contents(unpack_bytes(tmp_path, bytes(data)))) == ["résumé.pdf", "é.txt"]


def test_a_right_to_left_override_is_kept_raw_and_shown_escaped(app, tmp_path):
    spoof = "Scan_\u202egpj.zip"
    unpacked = unpack_bytes(tmp_path, plain_zip({spoof: b"not a picture"}))
    (member,) = unpacked.members
    assert member.name == spoof
    assert display_name(member.name) == "Scan_\\u202egpj.zip"


def test_display_name_escapes_every_invisible_or_control_character():
    assert display_name("invoice.pdf") == "invoice.pdf"
    assert display_name("請求書.exe") == "請求書.exe"
    for char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert display_name(f"a{char}b") == f"a\\u{ord(char):04x}b"
    assert display_name("line\nbreak\ttab\x7f\x85") == "line\\u000abreak\\u0009tab\\u007f\\u0085"
    assert display_name("zero\u200bwidth\ufeff\u2028") == "zero\\u200bwidth\\ufeff\\u2028"
    assert display_name("tag\U000e0041") == "tag\\U000e0041"
    assert display_name("../../etc/passwd") == "../../etc/passwd"  # a label, never a path: shown as it is
    assert display_name(None) == display_name("") == ""  # a request without a file has no name


def test_stored_names_fit_the_database():
    assert stored_name("a\x00b") == "a\ufffdb"
    assert stored_name("bad\udcffsurrogate") == "bad\ufffdsurrogate"
    assert stored_name("x" * 5000) == "x" * 1024


def test_traversal_names_are_labels_and_nothing_is_written_under_them(app, tmp_path):
    unpacked = unpack_bytes(tmp_path, plain_zip({"../../outside.txt": b"label only", "/abs/path.txt": b"too"}))
    assert set(contents(unpacked)) == {"../../outside.txt", "/abs/path.txt"}
    assert not (tmp_path.parent / "outside.txt").exists()


# --- damage -----------------------------------------------------------------------------------------------------

def test_a_truncated_zip_is_a_damaged_zip(app, tmp_path):
    data = plain_zip(MEMBERS)
    unpacked = unpack_bytes(tmp_path, data[:len(data) // 2])
    assert (unpacked.state, unpacked.note) == (ArchiveState.DAMAGED, "truncated: end of central directory not found")


def test_a_flipped_byte_is_a_crc_mismatch(app, tmp_path):
    data = bytearray(plain_zip({"x.exe": b"MZ" + b"A" * 1000}, compression=zipfile.ZIP_STORED))
    data[data.find(b"AAAA") + 10] ^= 0xFF
    unpacked = unpack_bytes(tmp_path, bytes(data))
    assert (unpacked.state, unpacked.note) == (ArchiveState.DAMAGED, "CRC mismatch in x.exe")


def test_a_member_name_in_a_note_is_escaped_too(app, tmp_path):
    spoof = "Scan_\u202egpj.exe"
    data = bytearray(plain_zip({spoof: b"MZ" + b"A" * 1000}, compression=zipfile.ZIP_STORED))
    data[data.find(b"AAAA") + 10] ^= 0xFF
    assert unpack_bytes(tmp_path, bytes(data)).note == "CRC mismatch in Scan_\\u202egpj.exe"


def test_an_unsupported_method_is_damage_not_a_password_problem(app, tmp_path):
    data = bytearray(plain_zip({"old.exe": b"imploded long ago"}, compression=zipfile.ZIP_STORED))
    for header in (data.find(b"PK\x03\x04") + 8, data.find(b"PK\x01\x02") + 10):
        data[header:header + 2] = struct.pack("<H", 6)  # implode: PKZIP 1.x, which nothing here decodes
    unpacked = unpack_bytes(tmp_path, bytes(data))
    assert (unpacked.state, unpacked.note) == (ArchiveState.DAMAGED, "unsupported compression method implode (old.exe)")


@needs_7zz
def test_a_truncated_7z_is_a_damaged_7z(app, tmp_path):
    data = seven_zip(tmp_path, "cut.7z", MEMBERS).read_bytes()
    unpacked = unpack_bytes(tmp_path, data[:len(data) // 2])
    assert unpacked.state == ArchiveState.DAMAGED
    assert unpacked.note.startswith("truncated: next header") and "exceeds the archive size" in unpacked.note


@needs_7zz
def test_a_flipped_byte_in_a_7z_is_a_crc_mismatch(app, tmp_path):
    data = bytearray(seven_zip(tmp_path, "flip.7z", {"x.exe": b"MZ" + b"A" * 5000}, "-m0=Copy").read_bytes())
    data[data.find(b"AAAA") + 10] ^= 0xFF
    unpacked = unpack_bytes(tmp_path, bytes(data))
    assert (unpacked.state, unpacked.note) == (ArchiveState.DAMAGED, "CRC mismatch in x.exe")


def test_a_truncated_gzip_is_damaged(app, tmp_path):
    data = gzip.compress(os.urandom(50_000))
    unpacked = unpack_bytes(tmp_path, data[:20_000])
    assert unpacked.state == ArchiveState.DAMAGED
    assert unpacked.note.startswith("truncated:")


def test_garbage_is_not_an_archive(app, tmp_path):
    assert unpack_bytes(tmp_path, b"MZ" + os.urandom(5000)).state == ArchiveState.NOT_ARCHIVE


# --- 7z ---------------------------------------------------------------------------------------------------------

@needs_7zz
@pytest.mark.parametrize("switches", [(), ("-m0=PPMd",), ("-m0=BZip2",), ("-m0=Deflate64",), ("-ms=off",)],
                         ids=["lzma2-solid", "ppmd", "bzip2", "deflate64", "not-solid"])
def test_7z_archives_unpack(app, tmp_path, switches):
    path = seven_zip(tmp_path, "sample.7z", {**MEMBERS, "dir/inner.txt": b"in a folder"}, *switches)
    unpacked = unpack_path(path)
    assert unpacked.state == ArchiveState.EXTRACTED
    assert contents(unpacked) == hashes({**MEMBERS, "dir/inner.txt": b"in a folder"})


@needs_7zz
@pytest.mark.parametrize("switches", [("-pinfected",), ("-pinfected", "-mhe=on")], ids=["data", "headers-too"])
def test_encrypted_7z_opens_with_infected(app, tmp_path, switches):
    path = seven_zip(tmp_path, "enc.7z", MEMBERS, *switches)
    unpacked = unpack_path(path)
    assert unpacked.state == ArchiveState.EXTRACTED
    assert contents(unpacked) == hashes(MEMBERS)


@needs_7zz
@pytest.mark.parametrize("switches", [("-psecret",), ("-psecret", "-mhe=on")], ids=["data", "headers-too"])
def test_7z_with_another_password_is_a_wrong_password(app, tmp_path, switches):
    unpacked = unpack_path(seven_zip(tmp_path, "other.7z", MEMBERS, *switches))
    assert unpacked.state == ArchiveState.WRONG_PASSWORD
    assert unpacked.note.startswith("encrypted, and none of the agreed passwords opens it")
    assert unpacked.members == []


# --- RAR --------------------------------------------------------------------------------------------------------

RAR_MEMBERS = {"readme.txt": b"stored in a RAR archive\n", "docs/report.exe": b"MZ" + bytes(range(256)) * 8}


def check_with_tools(path: Path) -> None:
    """The hand-written fixture must be a RAR that the independent tools accept too."""
    if shutil.which("lsar"):
        listing = subprocess.run(["lsar", "-t", str(path)], capture_output=True, text=True, timeout=60)
        assert f"{len(RAR_MEMBERS)} passed, 0 failed" in listing.stdout, listing.stdout
    if shutil.which("bsdtar"):
        names = subprocess.run(["bsdtar", "-tf", str(path)], capture_output=True, text=True, timeout=60)
        assert names.stdout.split() == list(RAR_MEMBERS)


@pytest.mark.parametrize("make_rar, header", [(rar4_archive, b"Rar!\x1a\x07\x00"),
                                              (rar5_archive, b"Rar!\x1a\x07\x01\x00")], ids=["rar4", "rar5"])
def test_rar_archives_unpack(app, tmp_path, make_rar, header):
    path = tmp_path / "sample.rar"
    path.write_bytes(make_rar(RAR_MEMBERS))
    assert path.read_bytes().startswith(header)
    check_with_tools(path)
    unpacked = unpack_path(path)
    assert (unpacked.state, unpacked.note) == (ArchiveState.EXTRACTED, None)
    assert contents(unpacked) == hashes(RAR_MEMBERS)


@pytest.mark.parametrize("make_rar", [rar4_archive, rar5_archive], ids=["rar4", "rar5"])
def test_a_damaged_rar_is_damaged(app, tmp_path, make_rar):
    data = bytearray(make_rar(RAR_MEMBERS))
    data[data.find(b"MZ") + 100] ^= 0xFF
    unpacked = unpack_bytes(tmp_path, bytes(data))
    assert (unpacked.state, unpacked.note) == (ArchiveState.DAMAGED, "CRC mismatch in docs/report.exe")
    truncated = unpack_bytes(tmp_path, make_rar(RAR_MEMBERS)[:60])
    assert truncated.state == ArchiveState.DAMAGED
    assert truncated.note.startswith("damaged RAR headers:")


# --- tar and single streams -------------------------------------------------------------------------------------

TAR_MEMBERS = {"bin/run.sh": b"#!/bin/sh\necho hi\n", "data.bin": os.urandom(20_000)}


def tar_bytes(members: dict[str, bytes], mode: str = "w") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        directory = tarfile.TarInfo("bin")  # a directory entry: no bytes, not a member
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_plain_and_compressed_unpacks_in_one_level(app, tmp_path, mode):
    unpacked = unpack_bytes(tmp_path, tar_bytes(TAR_MEMBERS, mode))
    assert unpacked.state == ArchiveState.EXTRACTED
    assert contents(unpacked) == hashes(TAR_MEMBERS)


def test_single_streams_give_one_member(app, tmp_path):
    payload = b"MZ" + os.urandom(3000)
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="setup.exe", mode="wb", fileobj=buffer) as stream:
        stream.write(payload)
    assert contents(unpack_bytes(tmp_path, buffer.getvalue())) == hashes({"setup.exe": payload})
    assert contents(unpack_bytes(tmp_path, bz2.compress(payload))) == hashes({"(decompressed)": payload})
    assert contents(unpack_bytes(tmp_path, lzma.compress(payload))) == hashes({"(decompressed)": payload})


def gzip_of_zeros(size: int) -> bytes:
    """A gzip bomb built in pieces, never holding `size` bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk, out = bytes(MB), bytearray()
    for _ in range(size // MB):
        out += compressor.compress(chunk)
    return bytes(out + compressor.flush())


def test_a_gzip_bomb_is_capped_while_streaming(app, tmp_path):
    bomb = gzip_of_zeros(1024 * MB)  # 1 GB of zeros in about 1 MB
    tracemalloc.start()
    unpacked = unpack_bytes(tmp_path, bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert unpacked.state == ArchiveState.LIMIT_EXCEEDED
    assert unpacked.note == "compressed more than 100:1 ((decompressed))"
    assert peak < 16 * MB
    # with no ratio limit the byte budget stops it, still while streaming
    unpacked = unpack_bytes(tmp_path, bomb, limits(max_ratio=10_000, max_total_bytes=64 * MB))
    assert (unpacked.state, unpacked.note) == (ArchiveState.LIMIT_EXCEEDED, "unpacks to more than 64 MB")


# --- limits across levels, bombs, memory ------------------------------------------------------------------------

def test_an_archive_past_the_depth_is_kept_whole(app, tmp_path):
    unpacked = unpack_bytes(tmp_path, tar_bytes(TAR_MEMBERS), limits(max_depth=2), depth=2)
    assert (unpacked.state, unpacked.note) == (ArchiveState.LIMIT_EXCEEDED, "nested deeper than 2 archives")


def unpack_tree(tmp_path: Path, data: bytes, archive_limits: ArchiveLimits) -> dict[str, Unpacked]:
    """Unpack like intake does: depth first, one budget for every level. Returns each archive's result by name."""
    budget = Budget.of(archive_limits)
    results: dict[str, Unpacked] = {}

    def walk(name: str, content: bytes, depth: int) -> None:
        unpacked = unpack_bytes(tmp_path, content, archive_limits, budget, depth)
        results[name] = unpacked
        for member in unpacked.members:
            if member.name.endswith((".zip", ".7z", ".tar")):
                with open_blob(member.blob.sha256) as stored:
                    walk(member.name, stored.read(), depth + 1)

    walk("outer", data, 0)
    return results


def test_the_member_budget_is_shared_across_nesting_levels(app, tmp_path):
    inner = {f"f{i}.txt": f"file {i}".encode() for i in range(3)}
    outer = plain_zip({"first.zip": plain_zip(inner), "second.tar": tar_bytes({"a": b"1", "b": b"2", "c": b"3"})})
    results = unpack_tree(tmp_path, outer, limits(max_members=7))
    assert results["outer"].state == results["first.zip"].state == ArchiveState.EXTRACTED  # 2 + 3 members
    assert (results["second.tar"].state, results["second.tar"].note) == (ArchiveState.LIMIT_EXCEEDED,
                                                                         "more than 7 members")


def test_the_byte_budget_is_shared_across_nesting_levels(app, tmp_path):
    first, second = plain_zip({"a.bin": os.urandom(40_000)}), plain_zip({"b.bin": os.urandom(40_000)})
    outer = plain_zip({"first.zip": first, "second.zip": second}, compression=zipfile.ZIP_STORED)
    results = unpack_tree(tmp_path, outer, limits(max_total_bytes=len(first) + len(second) + 50_000))
    assert results["first.zip"].state == ArchiveState.EXTRACTED
    assert results["second.zip"].state == ArchiveState.LIMIT_EXCEEDED
    assert results["second.zip"].note.startswith("unpacks to more than")


def test_a_nested_7z_counts_against_the_same_budget(app, tmp_path):
    if shutil.which("7zz") is None:
        pytest.skip("7zz (Debian package 7zip) is not installed")
    inner = seven_zip(tmp_path, "inner.7z", {"x.txt": b"x" * 100, "y.txt": b"y" * 100}).read_bytes()
    results = unpack_tree(tmp_path, plain_zip({"inner.7z": inner, "z.txt": b"z"}), limits(max_members=3))
    assert results["outer"].state == ArchiveState.EXTRACTED
    assert (results["inner.7z"].state, results["inner.7z"].note) == (ArchiveState.LIMIT_EXCEEDED,
                                                                     "more than 3 members")


def deflated_zeros(size: int) -> tuple[bytes, int]:
    """Raw deflate of `size` zero bytes and their CRC, built from one fully flushed megabyte repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(MB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc, zeros = 0, bytes(MB)
    for _ in range(size // MB):
        crc = zlib.crc32(zeros, crc)
    return block * (size // MB) + b"\x03\x00", crc  # 0x03 0x00: an empty final block


def zip64_with(name: str, compressed: bytes, crc: int, declared_size: int) -> bytes:
    """One deflated member with zip64 sizes in both headers (APPNOTE 4.5.3), whatever size it declares."""
    raw_name = name.encode()
    extra = struct.pack("<HHQQ", 0x0001, 16, declared_size, len(compressed))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                        len(raw_name), len(extra)) + raw_name + extra
    central_extra = struct.pack("<HHQQQ", 0x0001, 24, declared_size, len(compressed), 0)
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 8, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                          len(raw_name), len(central_extra), 0, 0, 0, 0, 0xFFFFFFFF) + raw_name + central_extra
    offset = len(local) + len(compressed)
    end64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 1, 1, len(central), offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, offset + len(central), 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), 0xFFFFFFFF, 0)
    return local + compressed + central + end64 + locator + end


@pytest.fixture(scope="module")
def four_gigabytes_of_zeros() -> tuple[bytes, int]:
    return deflated_zeros(4096 * MB)


def test_a_4_gb_zip64_bomb_is_refused_from_its_directory(app, tmp_path, four_gigabytes_of_zeros):
    compressed, crc = four_gigabytes_of_zeros
    data = zip64_with("zeros.bin", compressed, crc, 4096 * MB)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a well-formed zip64 archive
        assert archive.getinfo("zeros.bin").file_size == 4096 * MB
    unpacked = unpack_bytes(tmp_path, data)
    assert (unpacked.state, unpacked.note) == (ArchiveState.LIMIT_EXCEEDED, "unpacks to more than 256 MB")


def test_a_4_gb_zip64_bomb_with_lying_sizes_stops_at_the_declared_size(app, tmp_path, four_gigabytes_of_zeros):
    compressed, crc = four_gigabytes_of_zeros
    tracemalloc.start()
    unpacked = unpack_bytes(tmp_path, zip64_with("zeros.bin", compressed, crc, 100_000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (unpacked.state, unpacked.note) == (ArchiveState.DAMAGED, "zeros.bin is larger than its header says")
    assert peak < 16 * MB


def test_a_32_mb_sample_unpacks_with_bounded_memory(app, tmp_path):
    big = os.urandom(32 * MB)
    data = plain_zip({"big.bin": big}, compression=zipfile.ZIP_STORED)
    tracemalloc.start()
    unpacked = unpack_bytes(tmp_path, data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert contents(unpacked) == hashes({"big.bin": big})
    assert peak < 8 * MB


@needs_7zz
@pytest.mark.parametrize("method", ["BZip2", "LZMA", "PPMd"])
def test_highly_compressed_zip_methods_decode_in_bounded_steps(app, tmp_path, method):
    """A few kilobytes of these decode to hundreds of megabytes: read whole, one input chunk would fill memory.
    What memory there is is the decoder's own (LZMA's dictionary, PPMd's model: 16-32 MB here), never the output."""
    with open(tmp_path / "zeros", "wb") as file:
        for _ in range(200):
            file.write(bytes(MB))
    run(["7zz", "a", "-bd", "-tzip", f"-mm={method}", str(tmp_path / "bomb.zip"), "zeros"], cwd=tmp_path)
    (tmp_path / "zeros").unlink()
    assert unpack_path(tmp_path / "bomb.zip").note == "compressed more than 100:1 (zeros)"  # the directory says
    tracemalloc.start()
    unpacked = unpack_path(tmp_path / "bomb.zip", limits(max_ratio=10**9))  # let it through: memory must hold
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert unpacked.state == ArchiveState.EXTRACTED
    assert contents(unpacked) == {"zeros": hashlib.sha256(bytes(200 * MB)).hexdigest()}
    assert peak < 48 * MB


@needs_7zz
def test_a_7z_asking_for_a_huge_dictionary_is_refused_before_decoding(app, tmp_path):
    data = bytearray(seven_zip(tmp_path, "dict.7z", MEMBERS, "-m0=LZMA", "-mhc=off").read_bytes())
    coder = data.find(b"\x23\x03\x01\x01\x05")  # LZMA coder with 5 property bytes, in the uncompressed headers
    data[coder + 6:coder + 10] = (2**31).to_bytes(4, "little")  # a 2 GB dictionary
    next_offset, next_size = struct.unpack("<QQ", data[12:28])
    next_header = data[32 + next_offset:32 + next_offset + next_size]
    data[28:32] = struct.pack("<I", zlib.crc32(next_header))  # keep the headers' CRCs valid: only the size lies
    data[8:12] = struct.pack("<I", zlib.crc32(data[12:32]))
    unpacked = unpack_bytes(tmp_path, bytes(data))
    assert (unpacked.state, unpacked.note) == (ArchiveState.LIMIT_EXCEEDED, "needs 2 GB of memory to decode")


@needs_7zz
def test_a_7z_member_past_its_cap_while_decoding_stops_there(app, tmp_path, monkeypatch):
    from backoffice.services.viruslab.unpacking import limits as limits_module
    from backoffice.services.viruslab.unpacking.outcome import LimitExceeded

    def tiny_cap(self, name, size, packed):
        return limits_module.Cap(1000, LimitExceeded(f"stopped at 1000 bytes ({name})"))

    monkeypatch.setattr(limits_module.Meter, "cap", tiny_cap)  # as if the headers had lied about the sizes
    unpacked = unpack_path(seven_zip(tmp_path, "stop.7z", {"notes.txt": TEXT}))
    assert (unpacked.state, unpacked.note) == (ArchiveState.LIMIT_EXCEEDED, "stopped at 1000 bytes (notes.txt)")


@pytest.mark.skipif(shutil.which("unar") is None, reason="unar (Debian package unar) is not installed")
@pytest.mark.parametrize("make_rar", [rar4_archive, rar5_archive], ids=["rar4", "rar5"])
def test_rar_members_decoded_by_unar_come_out_the_same(app, tmp_path, monkeypatch, make_rar):
    import rarfile

    monkeypatch.setattr(rarfile, "FORCE_TOOL", True)  # what a compressed member takes: rarfile pipes from unar
    unpacked = unpack_bytes(tmp_path, make_rar(RAR_MEMBERS))
    assert (unpacked.state, unpacked.note) == (ArchiveState.EXTRACTED, None)
    assert contents(unpacked) == hashes(RAR_MEMBERS)


def test_a_hung_rar_tool_is_killed_after_the_timeout(monkeypatch):
    from backoffice.services.viruslab.unpacking import rar
    from backoffice.services.viruslab.unpacking.outcome import Damaged

    class Stream:
        def __init__(self):
            self._proc = subprocess.Popen(["sleep", "30"])

        def read(self, size=-1):
            self._proc.wait(timeout=10)
            return b""

        def close(self):
            pass

    monkeypatch.setattr(rar, "TOOL_TIMEOUT_SECONDS", 0.2)
    stream = Stream()
    with pytest.raises(Damaged) as damage, rar._Watched(stream, "slow.exe", encrypted=False) as watched:
        watched.read()
    assert stream._proc.returncode == -9  # SIGKILL from the watchdog, long before sleep would end
    assert str(damage.value) == "decoding slow.exe took longer than 0.2 s"


def test_rar5_names_are_utf8(app, tmp_path):
    members = {"請求書.exe": b"MZ invoice", "Scan_\u202egpj.zip": b"spoof"}
    unpacked = unpack_bytes(tmp_path, rar5_archive(members))
    assert contents(unpacked) == hashes(members)
    assert sorted(display_name(member.name) for member in unpacked.members) == ["Scan_\\u202egpj.zip", "請求書.exe"]


needs_unar = pytest.mark.skipif(shutil.which("unar") is None, reason="unar (Debian package unar) is not installed")


@needs_unar
@pytest.mark.parametrize("encrypt_headers", [True, False], ids=["rar-hp", "rar-p"])
def test_encrypted_rar5_opens_with_infected(app, tmp_path, encrypt_headers):
    path = tmp_path / "enc.rar"
    path.write_bytes(rar5_archive(RAR_MEMBERS, password="infected", encrypt_headers=encrypt_headers))
    listing = subprocess.run(["lsar", "-p", "infected", "-t", str(path)], capture_output=True, text=True, timeout=60)
    assert f"{len(RAR_MEMBERS)} passed, 0 failed" in listing.stdout  # the fixture is what unar accepts
    unpacked = unpack_path(path)
    assert (unpacked.state, unpacked.note) == (ArchiveState.EXTRACTED, None)
    assert contents(unpacked) == hashes(RAR_MEMBERS)


@needs_unar
@pytest.mark.parametrize("encrypt_headers", [True, False], ids=["rar-hp", "rar-p"])
def test_rar5_with_another_password_is_a_wrong_password(app, tmp_path, encrypt_headers):
    data = rar5_archive(RAR_MEMBERS, password="secret", encrypt_headers=encrypt_headers)
    unpacked = unpack_bytes(tmp_path, data)
    assert unpacked.state == ArchiveState.WRONG_PASSWORD
    assert "encrypted with a password other than the agreed ones" in unpacked.note
    assert unpacked.members == []
    unpacked = unpack_bytes(tmp_path, data, limits(passwords=(b"infected", b"secret")))  # the second one fits
    assert contents(unpacked) == hashes(RAR_MEMBERS)
