"""Office documents built byte by byte for the ticket-file tests: an OLE compound file (the .doc/.xls format)
with or without a VBA storage, and OOXML zips with or without vbaProject.bin."""

from __future__ import annotations

import io
import struct
import zipfile

FREE, END, FAT_SECTOR, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def _entry(name: str, kind: int, child: int = NONE, right: int = NONE) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
            + struct.pack("<III", NONE, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<IQ", END, 0))


def ole_document(storages: tuple[str, ...] = ()) -> bytes:
    """A version-3 compound file: one FAT sector, one directory sector holding the root and `storages`
    (empty storages, chained as right siblings under the root)."""
    header = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIII", 0, 1, 1, 0, 0x1000) + struct.pack("<IIII", END, 0, END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    fat = struct.pack("<II", FAT_SECTOR, END) + struct.pack("<I", FREE) * 126
    entries = [_entry("Root Entry", 5, child=1 if storages else NONE)]
    for index, name in enumerate(storages[:3], start=1):
        entries.append(_entry(name, 1, right=index + 1 if index < len(storages[:3]) else NONE))
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory


def ooxml_document(macros: bool) -> bytes:
    """A minimal Word 2007+ document; with `macros`, the VBA project a .docm carries."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.'
                                                'org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", ole_document(("VBA",)))
    return out.getvalue()
