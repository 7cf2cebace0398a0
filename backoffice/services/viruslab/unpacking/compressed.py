"""gzip, bzip2 and xz: one compressed stream, whose size nobody declares. A tar inside is read as the tar.

The stream is capped while it is read (a bomb stops at its limit, never in memory): with no packed size per member,
the ratio is measured against the whole file.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
from pathlib import Path

from backoffice.services.viruslab.unpacking.detect import SNIFF_BYTES, Format, is_tar_header
from backoffice.services.viruslab.unpacking.limits import Meter
from backoffice.services.viruslab.unpacking.tar import read_tar

_OPENERS = {Format.GZIP: gzip.open, Format.BZIP2: bz2.open, Format.XZ: lzma.open}
_TAR_MODES = {Format.GZIP: "r|gz", Format.BZIP2: "r|bz2", Format.XZ: "r|xz"}
UNNAMED = "(decompressed)"  # the label of a stream that carries no file name (bzip2, xz, gzip without FNAME)

GZIP_FEXTRA, GZIP_FNAME = 0x04, 0x08


def read_compressed(path: Path, kind: Format, meter: Meter) -> None:
    with _OPENERS[kind](path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if is_tar_header(head):
        return read_tar(path, meter, _TAR_MODES[kind])
    name = gzip_file_name(path) if kind == Format.GZIP else None
    with _OPENERS[kind](path, "rb") as stream:
        meter.store(name or UNNAMED, stream)


def gzip_file_name(path: Path) -> str | None:
    """The original name in a gzip header (RFC 1952 2.3.1: FNAME, ISO 8859-1, zero-terminated), if any."""
    with open(path, "rb") as file:
        header = file.read(10)
        if len(header) < 10 or not header[3] & GZIP_FNAME:
            return None
        if header[3] & GZIP_FEXTRA:
            (extra_length,) = struct.unpack("<H", file.read(2))
            file.seek(extra_length, 1)
        name = file.read(1024 + 1).split(b"\x00", 1)[0]
    return name.decode("latin-1") or None
