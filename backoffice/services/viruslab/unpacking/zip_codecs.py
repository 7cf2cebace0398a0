"""Zip compression methods, each behind one bounded interface: feed compressed bytes, read at most n out.

Bounded matters: one read of a bzip2, LZMA or PPMd stream can otherwise expand a few kilobytes into gigabytes in
memory before any size check sees them (pyzipper and zipfile decompress a whole input chunk at once for those).
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib

import inflate64
import pyppmd

from backoffice.services.viruslab.unpacking.outcome import Damaged

STORED, DEFLATE, DEFLATE64, BZIP2, LZMA, PPMD = 0, 8, 9, 12, 14, 98
METHOD_NAMES = {0: "stored", 1: "shrink", 6: "implode", 8: "deflate", 9: "deflate64", 12: "bzip2", 14: "lzma",
                93: "zstandard", 95: "xz", 96: "jpeg", 97: "wavpack", 98: "ppmd", 99: "aes"}


class Decoder:
    """Stored: bytes pass through as fed."""

    eof = False

    def __init__(self):
        self._pending = bytearray()

    def feed(self, data: bytes) -> None:
        self._pending += data

    def read(self, size: int) -> bytes:
        """At most `size` bytes; empty when it needs more input or the stream has ended."""
        out = bytes(self._pending[:size])
        del self._pending[:size]
        return out


class _Stdlib(Decoder):
    """zlib, bz2 and lzma decompressors, which honour max_length."""

    def __init__(self, decompressor):
        super().__init__()
        self._decompressor = decompressor

    @property
    def eof(self) -> bool:
        return self._decompressor.eof

    def read(self, size: int) -> bytes:
        holding_output = not getattr(self._decompressor, "needs_input", True)  # bz2/lzma keep what max_length cut
        if self.eof or not (self._pending or holding_output):
            return b""
        data, self._pending = bytes(self._pending), bytearray()
        out = self._decompressor.decompress(data, size)
        self._pending += getattr(self._decompressor, "unconsumed_tail", b"")  # zlib hands back what it cut
        return out


class _ZipLzma(_Stdlib):
    """LZMA in zip: a 4-byte version and properties-length header, the properties, then a raw LZMA1 stream.

    The decoder allocates the dictionary the properties ask for, up to 4 GB. No match reaches further back than
    the member's own start, so a dictionary larger than the member is cut to its size: honest streams decode the
    same, and a hostile header cannot make us allocate more than the member may unpack to."""

    MIN_DICTIONARY = 4096  # liblzma's smallest

    def __init__(self, size: int):
        super().__init__(None)
        self._header = bytearray()
        self._size = size

    @property
    def eof(self) -> bool:
        return self._decompressor is not None and self._decompressor.eof

    def feed(self, data: bytes) -> None:
        if self._decompressor is not None:
            return super().feed(data)
        self._header += data
        if len(self._header) < 4:
            return
        (properties_size,) = struct.unpack("<H", self._header[2:4])
        if len(self._header) < 4 + properties_size:
            return
        properties = bytes(self._header[4:4 + properties_size])
        lzma_filter = lzma._decode_filter_properties(lzma.FILTER_LZMA1, properties)  # what zipfile itself uses
        lzma_filter["dict_size"] = max(min(lzma_filter["dict_size"], self._size), self.MIN_DICTIONARY)
        self._decompressor = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma_filter])
        super().feed(bytes(self._header[4 + properties_size:]))

    def read(self, size: int) -> bytes:
        return b"" if self._decompressor is None else super().read(size)


class _Deflate64(Decoder):
    """inflate64 has no output limit, so it is fed in slices small enough that even a maximal deflate64 run
    (about 29,000:1) stays a few megabytes."""

    SLICE = 512

    def __init__(self):
        super().__init__()
        self._inflater = inflate64.Inflater()
        self._out = bytearray()

    @property
    def eof(self) -> bool:
        return self._inflater.eof and not self._out

    def read(self, size: int) -> bytes:
        while not self._out and self._pending and not self._inflater.eof:
            piece = bytes(self._pending[:self.SLICE])
            del self._pending[:self.SLICE]
            self._out += self._inflater.inflate(piece)
        out = bytes(self._out[:size])
        del self._out[:size]
        return out


class _Ppmd(Decoder):
    """PPMd variant I revision 1 (APPNOTE 5.10): a 2-byte header of order, memory size and restore method."""

    def __init__(self):
        super().__init__()
        self._decoder = None
        self.eof = False

    def feed(self, data: bytes) -> None:
        super().feed(data)
        if self._decoder is None and len(self._pending) >= 2:
            (word,) = struct.unpack("<H", self._pending[:2])
            del self._pending[:2]
            order, memory_mb, restore = (word & 0xF) + 1, ((word >> 4) & 0xFF) + 1, word >> 12
            if order < 2 or restore > 1:
                raise Damaged("invalid PPMd parameters")
            self._decoder = pyppmd.Ppmd8Decoder(order, memory_mb << 20, restore_method=restore)

    def read(self, size: int) -> bytes:
        if self._decoder is None or self.eof:
            return b""
        if not self._pending and self._decoder.needs_input:
            return b""
        data, self._pending = bytes(self._pending), bytearray()
        out = self._decoder.decode(data, size)
        self.eof = self._decoder.eof
        return out


def decoder_for(method: int, name: str, size: int) -> Decoder:
    """The decoder for a member of `size` declared bytes (a member that goes past them is stopped anyway)."""
    if method == STORED:
        return Decoder()
    if method == DEFLATE:
        return _Stdlib(zlib.decompressobj(-15))
    if method == BZIP2:
        return _Stdlib(bz2.BZ2Decompressor())
    if method == LZMA:
        return _ZipLzma(size)
    if method == DEFLATE64:
        return _Deflate64()
    if method == PPMD:
        return _Ppmd()
    raise Damaged(f"unsupported compression method {METHOD_NAMES.get(method, method)} ({name[:100]})")
