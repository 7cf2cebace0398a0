"""tar, plain or inside gzip/bzip2/xz, read as a stream: each header is checked against the limits before its
member is read, so an oversized or endless archive stops at the first member past them."""

from __future__ import annotations

import tarfile
from pathlib import Path

from backoffice.services.viruslab.unpacking.limits import Meter


def read_tar(path: Path, meter: Meter, mode: str = "r|") -> None:
    with open(path, "rb") as file, tarfile.open(fileobj=file, mode=mode, encoding="utf-8", errors="replace") as tar:
        for entry in tar:
            if entry.isfile():  # links, devices and directories carry no bytes of their own
                meter.store(entry.name, tar.extractfile(entry), entry.size)
