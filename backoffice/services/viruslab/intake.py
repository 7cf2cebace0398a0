"""Intake: a stored blob becomes a Sample (one per SHA-256, even under concurrent submissions), typed by its
magic bytes, unpacked if it is an archive and scanned with YARA. Nothing here ever executes or renders a file."""

from __future__ import annotations

from dataclasses import dataclass

import magic
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ArchiveMember, ArchiveState, Sample
from backoffice.services.viruslab import scanning, unpacking
from backoffice.storage import StoredBlob, blob_path


@dataclass
class Intake:
    """What one submission's intake shares down the archive tree: the limits, what is left of the budget,
    and the rules compiled once."""

    limits: unpacking.ArchiveLimits
    budget: unpacking.Budget
    rules: object  # yara.Rules or None

    @classmethod
    def start(cls) -> Intake:
        limits = unpacking.ArchiveLimits.from_config()
        return cls(limits, unpacking.Budget.of(limits), scanning.compile_rules())


def sample_for_blob(blob: StoredBlob) -> tuple[Sample, bool]:
    """The Sample of `blob`, inserted if new. INSERT ... ON CONFLICT DO NOTHING lets the database settle a race:
    a concurrent insert of the same SHA-256 waits for the first to commit, then finds the row. The caller commits."""
    dialect_insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(Sample).values(
        sha256=blob.sha256, md5=blob.md5, sha1=blob.sha1, sha512=blob.sha512, size=blob.size,
        archive_state=ArchiveState.NOT_ARCHIVE, first_seen_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["sha256"]).returning(Sample.id)
    created = db.session.execute(statement).scalar() is not None  # RETURNING gives a row only if inserted
    sample = db.session.scalars(
        select(Sample).where(Sample.sha256 == blob.sha256).execution_options(populate_existing=True)
    ).one()
    return sample, created


def ingest(blob: StoredBlob, intake: Intake | None = None, depth: int = 0) -> Sample:
    """Register `blob` as a sample; a new one is typed, unpacked (members become samples too) and scanned."""
    intake = intake or Intake.start()
    sample, created = sample_for_blob(blob)
    if created:
        _describe(sample)
        _unpack(sample, intake, depth)
        scanning.scan(sample, intake.rules)
    return sample


def _describe(sample: Sample) -> None:
    path = str(blob_path(sample.sha256))
    sample.file_type = magic.from_file(path)[:255]
    sample.mime_type = magic.from_file(path, mime=True)[:127]


def _unpack(sample: Sample, intake: Intake, depth: int) -> None:
    unpacked = unpacking.unpack(blob_path(sample.sha256), depth, intake.limits, intake.budget)
    sample.archive_state = unpacked.state
    sample.archive_note = unpacked.note
    # members in SHA-256 order: two archives sharing new members, submitted at once, then insert the shared
    # samples in the same order and wait for each other instead of deadlocking
    for name, member_blob in sorted(unpacked.members, key=lambda pair: (pair[1].sha256, pair[0])):
        member = ingest(member_blob, intake, depth + 1)
        exists = db.session.scalar(select(ArchiveMember.id).where(
            ArchiveMember.archive_id == sample.id, ArchiveMember.member_id == member.id,
            ArchiveMember.member_name == name))
        if exists is None:  # the same file twice under one name in a zip is one link
            db.session.add(ArchiveMember(archive_id=sample.id, member_id=member.id, member_name=name))
            db.session.flush()
