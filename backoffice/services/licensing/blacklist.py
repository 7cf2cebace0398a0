"""The blacklist: bar one or many codes with a reason, lift an entry with a note. Nothing is deleted: a lifted
entry stays with who lifted it, when and why. Adding is all-or-nothing with every bad line reported."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import insert, select, update

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ActivationCode, BlacklistEntry, BlacklistReason
from backoffice.security import Actor
from backoffice.services import ServiceError, webhooks
from backoffice.services.audit import record
from backoffice.services.csv_files import CsvRows
from backoffice.services.licensing.normalise import FORMAT_HELP, normalise_code
from backoffice.services.licensing.report import BulkReport, chunks

REASON_LABELS = {
    BlacklistReason.FRAUD: "Fraud (stolen payment details)",
    BlacklistReason.CHARGEBACK: "Chargeback",
    BlacklistReason.REFUNDED: "Refunded",
    BlacklistReason.LEAKED: "Leaked (published)",
    BlacklistReason.RESALE_ABUSE: "Resold against the licence terms",
    BlacklistReason.OTHER: "Other (say why in the note)",
}
BLACKLIST_CSV_HEADER = ["code", "reason", "note"]
AUDITED_CODES_PER_EVENT = 100  # a bulk event lists this many codes; the entries themselves keep who and when


@dataclass(frozen=True)
class BlacklistLine:
    line: int
    raw_code: str
    reason: str
    note: str | None


def blacklist_codes(lines: Iterable[BlacklistLine], actor: Actor, dry_run: bool = False) -> BulkReport:
    """Blacklist every code of `lines`, or none of them: each bad line is reported with its number."""
    report = BulkReport(dry_run=dry_run)
    wanted: dict[str, BlacklistLine] = {}
    for item in lines:
        report.checked += 1
        code = normalise_code(item.raw_code)
        if code is None:
            report.error(item.line, f"{item.raw_code.strip()!r} is not an activation code. {FORMAT_HELP}")
        elif item.reason not in set(BlacklistReason):
            report.error(item.line, f"Unknown reason {item.reason!r}; use one of: {', '.join(BlacklistReason)}.")
        elif item.reason == BlacklistReason.OTHER and not item.note:
            report.error(item.line, "Reason \"other\" needs a note that says why.")
        elif code in wanted:
            report.error(item.line, f"{code} is also on line {wanted[code].line} (duplicate in the input).")
        else:
            wanted[code] = item
    ids = _existing_ids(list(wanted))
    listed = _already_listed(list(ids.values()))
    for code, item in wanted.items():
        if code not in ids:
            report.error(item.line, f"{code} is not a known activation code.")
        elif ids[code] in listed:
            report.error(item.line, f"{code} is already on the blacklist (duplicate against the database).")
    report.sort()
    if not report.ok or dry_run or not wanted:
        db.session.rollback()
        return report
    now = utcnow()
    staff_id = actor.id if actor.kind == "staff" else None
    rows = [{"code_id": ids[code], "reason": item.reason, "note": item.note, "created_by_id": staff_id,
             "created_by_label": actor.label, "created_at": now} for code, item in wanted.items()]
    for batch in chunks(rows, 5_000):
        db.session.execute(insert(BlacklistEntry), batch)
    codes = list(wanted)
    record(actor, "blacklist.added", object_type="blacklist_entries", after={
        "count": len(codes), "codes": codes[:AUDITED_CODES_PER_EVENT],
        "reasons": sorted({item.reason for item in wanted.values()}),
    })
    webhooks.emit("code.blacklisted", {"count": len(codes), "codes": codes[:AUDITED_CODES_PER_EVENT],
                                       "reasons": sorted({item.reason for item in wanted.values()})})
    db.session.commit()
    report.written = len(rows)
    return report


def lines_from_form(codes_text: str, reason: str, note: str | None) -> list[BlacklistLine]:
    """The console form: one code per line (blank lines skipped), one reason and note for all."""
    return [BlacklistLine(number, raw, reason, (note or "").strip() or None)
            for number, raw in enumerate(codes_text.splitlines(), start=1) if raw.strip()]


def lines_from_csv(text_lines: Iterable[str]) -> Iterator[BlacklistLine]:
    """CSV with the header `code,reason,note` (note optional); line numbers count the header as line 1."""
    reader = CsvRows(text_lines)
    header = [column.strip().lower() for column in next(reader, [])]
    if header[:2] != BLACKLIST_CSV_HEADER[:2] or header[2:] not in ([], BLACKLIST_CSV_HEADER[2:]):
        raise ServiceError(f"The first line must be the header: {','.join(BLACKLIST_CSV_HEADER)}.")
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        row = [cell.strip() for cell in row] + ["", ""]
        yield BlacklistLine(number, row[0], row[1].lower(), row[2] or None)


def lift_entry(entry_id: int, note: str | None, actor: Actor) -> BlacklistEntry:
    note = (note or "").strip()
    if not note:
        raise ServiceError("Say why the entry is lifted.", "note")
    entry = db.session.get(BlacklistEntry, entry_id)
    if entry is None:
        raise ServiceError("This blacklist entry does not exist.")
    now = max(utcnow(), entry.created_at)
    lifted = db.session.execute(
        update(BlacklistEntry).where(BlacklistEntry.id == entry_id, BlacklistEntry.lifted_at.is_(None)).values(
            lifted_at=now, lifted_by_id=actor.id if actor.kind == "staff" else None,
            lifted_by_label=actor.label, lift_note=note).execution_options(synchronize_session=False))
    if lifted.rowcount != 1:
        db.session.rollback()
        raise ServiceError("This entry was already lifted.")
    record(actor, "blacklist.lifted", entry, after={"code": entry.code.code, "note": note})
    db.session.commit()
    db.session.refresh(entry)
    return entry


def _existing_ids(codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in chunks(codes, 1_000):
        found.update(db.session.execute(
            select(ActivationCode.code, ActivationCode.id).where(ActivationCode.code.in_(batch))).all())
    return found


def _already_listed(code_ids: list[int]) -> set[int]:
    listed: set[int] = set()
    for batch in chunks(code_ids, 1_000):
        listed.update(db.session.scalars(select(BlacklistEntry.code_id).where(
            BlacklistEntry.code_id.in_(batch), BlacklistEntry.lifted_at.is_(None))))
    return listed
