"""Intake: a stored blob becomes a Sample (one per SHA-256, even under concurrent submissions), typed by its
magic bytes. Nothing here ever executes or renders a file; unpacking and scanning are the analysis job's."""

from __future__ import annotations

import magic
from sqlalchemy import select

from backoffice.clock import utcnow
from backoffice.database import upsert_insert
from backoffice.extensions import db
from backoffice.models import ArchiveState, Sample
from backoffice.storage import StoredBlob, blob_path


def sample_for_blob(blob: StoredBlob) -> tuple[Sample, bool]:
    """The Sample of `blob`, inserted if new. INSERT ... ON CONFLICT DO NOTHING lets the database settle a race:
    a concurrent insert of the same SHA-256 waits for the first to commit, then finds the row. The caller commits."""
    statement = upsert_insert(Sample).values(
        sha256=blob.sha256, md5=blob.md5, sha1=blob.sha1, sha512=blob.sha512, size=blob.size,
        archive_state=ArchiveState.NOT_ARCHIVE, first_seen_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["sha256"]).returning(Sample.id)
    created = db.session.execute(statement).scalar() is not None  # RETURNING gives a row only if inserted
    sample = db.session.scalars(
        select(Sample).where(Sample.sha256 == blob.sha256).execution_options(populate_existing=True)
    ).one()
    return sample, created


def file_types(path) -> tuple[str, str]:
    """libmagic's description and MIME type of the file at `path`, from its bytes alone (never its name), cut to
    the columns' sizes: the one typing of the Virus Lab, for samples and ticket files alike."""
    return magic.from_file(str(path))[:255], magic.from_file(str(path), mime=True)[:127]


def describe(sample: Sample) -> None:
    """Type the sample by its magic bytes (once: the bytes never change)."""
    if sample.file_type is not None:
        return
    sample.file_type, sample.mime_type = file_types(blob_path(sample.sha256))
