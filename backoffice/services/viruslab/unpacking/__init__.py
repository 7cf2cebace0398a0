"""Unpacking the archives customers send: zip, 7z, RAR4/RAR5, tar, and gzip/bzip2/xz streams.

Interface (what intake uses):

- `unpack(path, depth, limits, budget) -> Unpacked`: the file at `path` typed by its magic bytes and, if it is an
  archive, its members streamed one at a time into the blob store. `Unpacked.state` is an ArchiveState
  (`not_archive`, `extracted`, `limit_exceeded`, `wrong_password`, `damaged`), `Unpacked.note` says which limit
  or what is wrong, `Unpacked.members` is a list of `Member(name, blob)`, empty unless extracted.
- `ArchiveLimits.from_config()` and `Budget.of(limits)`: one budget per submission, passed to every level.

One module per job: `detect` (magic bytes), `limits` (limits, budget, the meter that stores members under them),
`outcome` (the result and the refusals), a reader per format (`zip` with `zip_codecs` and `zip_names`,
`sevenzip`, `rar`, `tar`, `compressed`) and `dispatch`, which ties them together. Member names are labels only,
never paths: nothing is ever written to disk under them.
"""

from backoffice.services.viruslab.unpacking.dispatch import unpack
from backoffice.services.viruslab.unpacking.limits import ArchiveLimits, Budget
from backoffice.services.viruslab.unpacking.outcome import Member, Unpacked

__all__ = ["ArchiveLimits", "Budget", "Member", "Unpacked", "unpack"]
