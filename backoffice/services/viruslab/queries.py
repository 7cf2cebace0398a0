"""Read-side of the Virus Lab for the console: index-backed search by hash, number or file name, and what the
sample page shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import ArchiveMember, Sample, Submission, VerdictChange, YaraMatch, YaraScan
from backoffice.services import ServiceError

HASH_COLUMNS = {32: Sample.md5, 40: Sample.sha1, 64: Sample.sha256, 128: Sample.sha512}
_HEX = re.compile(r"[0-9a-f]+")


def hash_condition(term: str):
    """`Sample.<hash> == term` for an MD5, SHA-1, SHA-256 or SHA-512 given in hex (each column has an index);
    None if the term is not a hash."""
    term = term.strip().lower()
    column = HASH_COLUMNS.get(len(term))
    if column is None or not _HEX.fullmatch(term):
        return None
    return column == term


def sample_search(term: str):
    """Samples by any hash (exact), else by the file name a customer sent it under (exact, indexed)."""
    condition = hash_condition(term)
    if condition is not None:
        return condition
    name = term.strip()
    if not name:
        raise ServiceError("Enter a hash (MD5, SHA-1, SHA-256 or SHA-512) or a file name.")
    return Sample.id.in_(select(Submission.sample_id).where(Submission.file_name == name))


def submission_search(term: str):
    """Requests by number, by any hash of their sample, or by file name (all exact)."""
    term = term.strip()
    if term.upper().startswith("VL-"):
        return Submission.number == term.upper()
    condition = hash_condition(term)
    if condition is not None:
        return Submission.sample_id.in_(select(Sample.id).where(condition))
    if not term:
        raise ServiceError("Enter a request number, a hash or a file name.")
    return Submission.file_name == term


@dataclass
class SampleOverview:
    sample: Sample
    parents: list[ArchiveMember]
    members: list[ArchiveMember]
    matches: list[YaraMatch]
    submissions: list[Submission]
    history: list[VerdictChange]
    scans: list[YaraScan]


def sample_overview(sample: Sample, limit: int = 200) -> SampleOverview:
    def rows(query):
        return list(db.session.scalars(query.limit(limit)))

    return SampleOverview(
        sample=sample,
        parents=rows(select(ArchiveMember).where(ArchiveMember.member_id == sample.id).order_by(ArchiveMember.id)),
        members=rows(select(ArchiveMember).where(ArchiveMember.archive_id == sample.id).order_by(ArchiveMember.id)),
        matches=rows(select(YaraMatch).where(YaraMatch.sample_id == sample.id).order_by(YaraMatch.rule_name)),
        submissions=rows(select(Submission).where(Submission.sample_id == sample.id).order_by(Submission.id.desc())),
        history=rows(select(VerdictChange).where(VerdictChange.sample_id == sample.id)
                     .order_by(VerdictChange.id.desc())),
        scans=list(db.session.scalars(select(YaraScan).where(YaraScan.sample_id == sample.id)
                                      .order_by(YaraScan.id.desc()).limit(10))),
    )


def known_rule_names(limit: int = 500) -> list[str]:
    """Rule names seen in matches, for the queue's YARA filter."""
    return list(db.session.scalars(select(YaraMatch.rule_name).distinct().order_by(YaraMatch.rule_name)
                                   .limit(limit)))
