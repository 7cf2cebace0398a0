"""One stored file in, its state, note and members out: the format by magic bytes, then that format's reader."""

from __future__ import annotations

import logging
from pathlib import Path

from backoffice.models import ArchiveState
from backoffice.services.viruslab.names import display_name
from backoffice.services.viruslab.unpacking.compressed import read_compressed
from backoffice.services.viruslab.unpacking.detect import Format, format_of
from backoffice.services.viruslab.unpacking.limits import ArchiveLimits, Budget, Meter, StorageFailed, describe
from backoffice.services.viruslab.unpacking.outcome import Damaged, LimitExceeded, Unpacked, WrongPassword
from backoffice.services.viruslab.unpacking.rar import read_rar
from backoffice.services.viruslab.unpacking.sevenzip import read_7z
from backoffice.services.viruslab.unpacking.tar import read_tar
from backoffice.services.viruslab.unpacking.zip import read_zip

log = logging.getLogger(__name__)
NOTE_CHARS = 255  # Sample.archive_note


def _read(kind: Format, path: Path, meter: Meter, passwords: tuple[bytes, ...]) -> None:
    if kind == Format.ZIP:
        read_zip(path, meter, passwords)
    elif kind == Format.SEVEN_ZIP:
        read_7z(path, meter, passwords)
    elif kind in (Format.RAR4, Format.RAR5):
        read_rar(path, meter, passwords)
    elif kind == Format.TAR:
        read_tar(path, meter)
    else:
        read_compressed(path, kind, meter)


def unpack(path: Path, depth: int, limits: ArchiveLimits, budget: Budget) -> Unpacked:
    """Unpack the file at `path` (at nesting `depth`, 0 for what the customer sent) into the blob store.

    Members are spent from `budget` only if the archive is unpacked whole; otherwise it is kept whole, flagged
    with why, and its members are not returned (any already stored are left unlinked)."""
    kind = format_of(path)
    if kind is None:
        return Unpacked(ArchiveState.NOT_ARCHIVE)
    if depth >= limits.max_depth:
        return Unpacked(ArchiveState.LIMIT_EXCEEDED, f"nested deeper than {limits.max_depth} archives")
    meter = Meter(limits, budget, path.stat().st_size)
    try:
        _read(kind, path, meter, limits.passwords)
    except LimitExceeded as limit:
        return Unpacked(ArchiveState.LIMIT_EXCEEDED, _note(limit))
    except WrongPassword as refused:
        return Unpacked(ArchiveState.WRONG_PASSWORD, _note(refused))
    except Damaged as damage:
        return Unpacked(ArchiveState.DAMAGED, _note(damage))
    except StorageFailed as failure:
        raise failure.__cause__ from None
    except Exception as error:  # noqa: BLE001  any reader library's complaint about hostile bytes is damage
        log.info("%s archive %s cannot be read: %r", kind, path.name, error)
        return Unpacked(ArchiveState.DAMAGED, _note(Damaged(describe(error))))
    return Unpacked(ArchiveState.EXTRACTED, None, meter.settle())


def _note(refusal: Exception) -> str:
    """Notes name members (and quote libraries that do): shown as they are, so escaped like any member name."""
    return display_name(str(refusal))[:NOTE_CHARS]
