"""YARA: rules shipped in seeds/yara/*.yar plus the rules analysts keep in the console, matched against samples.

Each rule source compiles in its own namespace (`file:<name>` or `db:<id>`), so two sources may reuse a rule name.
An analyst's rule is compiled when it is saved; one that does not compile is refused with the compiler's message.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import yara
from flask import current_app
from sqlalchemy import delete, select

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.models import Sample, ScanStatus, YaraMatch, YaraRule
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import changes, record

RULE_NAME = re.compile(r"[A-Za-z0-9_.\- ]{1,128}")
MAX_SOURCE_CHARS = 100_000


def rule_sources() -> dict[str, str]:
    """Every enabled rule source by namespace: the shipped files, then the analysts' rules."""
    sources = {}
    rules_dir = Path(current_app.config["YARA_RULES_DIR"])
    for path in sorted(rules_dir.glob("*.yar")):
        sources[f"file:{path.stem}"] = path.read_text()
    for rule in db.session.scalars(select(YaraRule).where(YaraRule.enabled).order_by(YaraRule.id)):
        sources[f"db:{rule.id}"] = rule.source
    return sources


@dataclass(frozen=True)
class RuleSet:
    version: str  # a hash of the enabled sources
    rules: yara.Rules


@dataclass
class ScanOutcome:
    matches: list[tuple[str, str]]  # (namespace, rule name)
    status: str  # ScanStatus
    note: str | None
    seconds: float


def active_ruleset() -> RuleSet | None:
    sources = rule_sources()
    if not sources:
        return None
    version = hashlib.sha256(repr(sorted(sources.items())).encode()).hexdigest()
    return RuleSet(version, yara.compile(sources=sources, includes=False))


def scan_file(ruleset: RuleSet, path, *, filename: str, filetype: str | None, timeout: float) -> ScanOutcome:
    started = time.monotonic()
    try:
        hits = ruleset.rules.match(str(path), timeout=max(1, int(timeout)))
    except yara.TimeoutError:
        return ScanOutcome([], ScanStatus.TIMED_OUT, f"timed out after {timeout:g} s",
                           time.monotonic() - started)
    except yara.Error as error:
        return ScanOutcome([], ScanStatus.ERROR, str(error)[:500], time.monotonic() - started)
    matches = sorted({(hit.namespace[:64], hit.rule[:128]) for hit in hits})
    return ScanOutcome(matches, ScanStatus.OK, None, time.monotonic() - started)


def record_matches(sample: Sample, outcome: ScanOutcome) -> None:
    """Replace the sample's recorded matches with those of a finished scan (the caller commits)."""
    if outcome.status != ScanStatus.OK:
        return  # a scan that did not finish says nothing about what the rules would match
    db.session.execute(delete(YaraMatch).where(YaraMatch.sample_id == sample.id))
    db.session.add_all(YaraMatch(sample_id=sample.id, namespace=ns, rule_name=rule) for ns, rule in outcome.matches)
    sample.scanned_at = utcnow()


def validate_source(source: str) -> None:
    """Compile `source` alone; refuse it with the compiler's own message if it does not compile."""
    if not source or not source.strip():
        raise ServiceError("Enter the rule's source.", "source")
    if len(source) > MAX_SOURCE_CHARS:
        raise ServiceError(f"A rule source may hold at most {MAX_SOURCE_CHARS} characters.", "source")
    try:
        # no `include`: a rule must not read files on the server (nor echo them in a compiler message)
        yara.compile(source=source, includes=False)
    except yara.SyntaxError as error:
        raise ServiceError(f"The rule does not compile: {error}", "source") from None
    except yara.Error as error:
        raise ServiceError(f"The rule was refused by YARA: {error}", "source") from None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not RULE_NAME.fullmatch(name):
        raise ServiceError("Name the rule with letters, digits, spaces, dots, dashes or underscores "
                           "(at most 128).", "name")
    return name


def _check_unique(name: str, rule_id: int | None) -> None:
    existing = db.session.scalar(select(YaraRule.id).where(YaraRule.name == name))
    if existing is not None and existing != rule_id:
        raise ServiceError("A rule with this name exists already.", "name")


def create_rule(actor: Actor, name: str, source: str, enabled: bool = True) -> YaraRule:
    name = _clean_name(name)
    validate_source(source)
    _check_unique(name, None)
    created_by = actor.id if actor.kind == "staff" else None
    rule = YaraRule(name=name, source=source, enabled=enabled, created_by_id=created_by)
    db.session.add(rule)
    db.session.flush()
    record(actor, "yara_rule.created", rule, after={"name": name, "enabled": enabled})
    db.session.commit()
    return rule


def update_rule(actor: Actor, rule: YaraRule, name: str, source: str, enabled: bool) -> YaraRule:
    name = _clean_name(name)
    validate_source(source)
    _check_unique(name, rule.id)
    values = {"name": name, "source": source, "enabled": enabled}
    before, after = changes(rule, list(values), values)
    for key, value in values.items():
        setattr(rule, key, value)
    if "source" in after:  # the audit trail says the source changed; the rule keeps the text itself
        before["source"] = after["source"] = "(changed)"
    record(actor, "yara_rule.updated", rule, before=before, after=after)
    db.session.commit()
    return rule


def delete_rule(actor: Actor, rule: YaraRule) -> None:
    record(actor, "yara_rule.deleted", rule, before={"name": rule.name})
    db.session.delete(rule)
    db.session.commit()
