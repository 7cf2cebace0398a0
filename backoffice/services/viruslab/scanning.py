"""YARA matching: one file against one rule set, bounded in time, with an outcome that says what happened.

`scan_file()` is the one place a file meets the rules; it never raises for YARA's sake (a timeout or a YARA error
is an outcome). `scan()` records a sample's matches from it; the analysis job (analysis.py) calls it for each file.
The rule set itself (sources, version, compiled cache) lives in `yara_rules`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import PurePosixPath

import yara
from flask import current_app
from sqlalchemy import delete, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import ArchiveMember, Sample, ScanStatus, Submission, YaraMatch
from backoffice.services.viruslab.yara_rules import RuleSet
from backoffice.storage import blob_path

log = logging.getLogger(__name__)

PROBE_BYTES = 1024 * 1024  # after a timeout, each namespace is timed alone on this much of the file
DIAGNOSIS_SHARE = 0.25  # of the scan's timeout, spent at most on finding the slow namespace
# libmagic's description -> the short `filetype` THOR/LOKI-style rules compare against; others give ""
FILE_TYPES = (("PE32", "EXE"), ("MS-DOS executable", "EXE"), ("ELF ", "ELF"), ("Mach-O", "MACHO"),
              ("Zip archive", "ZIP"), ("RAR archive", "RAR"), ("7-zip archive", "7Z"), ("gzip compressed", "GZIP"),
              ("PDF document", "PDF"), ("Composite Document File", "OLE"))


@dataclass(frozen=True)
class RuleHit:
    namespace: str
    rule: str


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan found. `note` is empty when all went well; otherwise it names the slow rule set (and rule,
    where YARA says), or the error. `seconds` includes the search for a slow rule set after a timeout."""

    status: ScanStatus
    matches: tuple[RuleHit, ...]
    note: str
    seconds: float
    version: str

    @property
    def rule_names(self) -> list[str]:
        return sorted({hit.rule for hit in self.matches})


def file_externals(filename: str, filepath: str | None = None, filetype: str = "") -> dict[str, str]:
    """The external variables for one file: `extension` is lower-case with its dot (".exe"), as in THOR/LOKI."""
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix
    return {"filename": filename, "filepath": filepath if filepath is not None else filename,
            "extension": suffix.lower(), "filetype": filetype}


def short_file_type(description: str | None) -> str:
    for marker, label in FILE_TYPES:
        if description and marker in description:
            return label
    return ""


def scan_file(ruleset: RuleSet, path, *, filename: str = "", filepath: str | None = None, filetype: str = "",
              timeout: float, diagnosis_seconds: float | None = None) -> ScanOutcome:
    """Match the file at `path` against `ruleset` within `timeout` seconds.

    YARA takes whole seconds: `timeout` is rounded up (at least 1 s); a caller with a budget passes
    `min(per-file timeout, budget left)` and gets `timed_out` at once when nothing is left.

    Finding the slow rule set costs nothing when the scan finishes: only after a timeout is each namespace timed
    alone on the first PROBE_BYTES of the file (compiled alone on first use, then kept with the rule set), for at
    most `diagnosis_seconds` (default: a quarter of `timeout`; a namespace that alone times out ends the search).
    Strings with too many matches are reported by YARA itself, with their rule, through `warnings_callback`.
    """
    started = time.perf_counter()

    def outcome(status: ScanStatus, note: str = "", matches: tuple[RuleHit, ...] = ()) -> ScanOutcome:
        return ScanOutcome(status, matches, note, time.perf_counter() - started, ruleset.version)

    if ruleset.error:
        return outcome(ScanStatus.ERROR, ruleset.error)
    if ruleset.rules is None:
        return outcome(ScanStatus.OK)
    if timeout <= 0:
        return outcome(ScanStatus.TIMED_OUT, "No time was left to scan this file.")
    externals = file_externals(filename, filepath, filetype)
    crowded = []

    def on_warning(kind, detail):
        if kind == yara.CALLBACK_TOO_MANY_MATCHES:
            crowded.append(detail)
        return yara.CALLBACK_CONTINUE

    try:
        hits = ruleset.rules.match(str(path), externals=externals, timeout=max(1, math.ceil(timeout)),
                                   warnings_callback=on_warning)
    except yara.TimeoutError:
        budget = DIAGNOSIS_SHARE * timeout if diagnosis_seconds is None else diagnosis_seconds
        culprit = slowest_namespace(ruleset, path, externals, budget)
        return outcome(ScanStatus.TIMED_OUT, f"The scan timed out after {timeout:g} s. {culprit}")
    except yara.Error as error:
        return outcome(ScanStatus.ERROR, f"YARA could not scan the file: {error}")
    matches = tuple(dict.fromkeys(RuleHit(hit.namespace, hit.rule) for hit in hits))
    note = " ".join(f"Slow: string {d.string} of rule {d.rule} in rule set {d.namespace} had too many matches "
                    "(YARA stopped counting them)." for d in crowded)
    return outcome(ScanStatus.OK, note, matches)


def slowest_namespace(ruleset: RuleSet, path, externals: dict[str, str], budget: float) -> str:
    """Which namespace made a scan slow, as a sentence: each one timed alone on the start of the file."""
    with open(path, "rb") as sample:
        probe = sample.read(PROBE_BYTES)
    deadline = time.monotonic() + max(budget, 0)
    timings: list[tuple[float, str]] = []
    namespaces = ruleset.namespaces
    for namespace in namespaces:
        if timings and time.monotonic() > deadline:
            break
        try:
            rules = ruleset.namespace_rules(namespace)
            started = time.perf_counter()
            rules.match(data=probe, externals=externals, timeout=1)
        except yara.TimeoutError:
            return f"Rule set {namespace} alone timed out on the first {_size(len(probe))}.{_hint(rules)}"
        except yara.Error:
            continue
        timings.append((time.perf_counter() - started, namespace))
    if not timings:
        return "No single rule set could be timed."
    seconds, namespace = max(timings)
    probed = "" if len(timings) == len(namespaces) else f" ({len(timings)} of {len(namespaces)} rule sets timed)"
    return (f"Slowest rule set on the first {_size(len(probe))}: {namespace}, {seconds:.2f} s of "
            f"{sum(t for t, _ in timings):.2f} s{probed}.{_hint(ruleset.namespace_rules(namespace))}")


def _hint(rules: yara.Rules) -> str:
    warnings = "; ".join(rules.warnings[:3])
    return f" Its compiler warnings: {warnings}." if warnings else ""


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB" if count >= 1024 * 1024 else f"{count:,} bytes"


def scan(sample: Sample, ruleset: RuleSet, *, filepath: str = "", timeout: float | None = None) -> ScanOutcome:
    """Match `sample` against `ruleset`; when the scan completes, its recorded matches are replaced. After a
    timeout or an error the earlier matches stay (a rescan that fails must not erase them). The caller commits.
    `filepath` is where the file sits in its submission ("mail.zip/invoice.exe"); its last part is `filename`."""
    if timeout is None:
        timeout = current_app.config["YARA_TIMEOUT_SECONDS"]
    outcome = scan_file(ruleset, blob_path(sample.sha256), filename=PurePosixPath(filepath).name,
                        filepath=filepath, filetype=short_file_type(sample.file_type), timeout=timeout)
    if outcome.status != ScanStatus.OK:
        log.warning("YARA scan of sample %s: %s: %s", sample.sha256, outcome.status, outcome.note)
        return outcome
    db.session.execute(delete(YaraMatch).where(YaraMatch.sample_id == sample.id))
    db.session.add_all(YaraMatch(sample_id=sample.id, namespace=hit.namespace[:64], rule_name=hit.rule[:128])
                       for hit in dict.fromkeys(RuleHit(h.namespace[:64], h.rule[:128]) for h in outcome.matches))
    sample.scanned_at = utcnow()
    return outcome


def known_name(sample: Sample) -> str:
    """A name the sample was sent under: the latest request's file name, else a name inside an archive."""
    name = db.session.scalar(select(Submission.file_name).where(
        Submission.sample_id == sample.id, Submission.file_name.is_not(None)).order_by(Submission.id.desc()).limit(1))
    if name is None:
        name = db.session.scalar(select(ArchiveMember.member_name).where(ArchiveMember.member_id == sample.id)
                                 .order_by(ArchiveMember.id.desc()).limit(1))
    return name or ""
