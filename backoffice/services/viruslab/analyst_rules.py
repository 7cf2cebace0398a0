"""The YARA rules analysts keep in the console: each is compiled when saved; one that does not compile is refused
with the compiler's message, and one that compiles with warnings is saved and the warnings handed back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import YaraRule
from backoffice.security import Actor
from backoffice.services import ServiceError
from backoffice.services.audit import changes, record
from backoffice.services.viruslab.yara_rules import validate_source

RULE_NAME = re.compile(r"[A-Za-z0-9_.\- ]{1,128}")


@dataclass(frozen=True)
class SavedRule:
    rule: YaraRule
    warnings: list[str]  # the compiler's, e.g. 'line 3: string "$a" may slow down scanning'


def create_rule(actor: Actor, name: str, source: str, enabled: bool = True) -> SavedRule:
    name = _clean_name(name)
    warnings = validate_source(source)
    _check_unique(name, None)
    created_by = actor.id if actor.kind == "staff" else None
    rule = YaraRule(name=name, source=source, enabled=enabled, created_by_id=created_by)
    db.session.add(rule)
    db.session.flush()
    record(actor, "yara_rule.created", rule, after={"name": name, "enabled": enabled})
    db.session.commit()
    return SavedRule(rule, warnings)


def update_rule(actor: Actor, rule: YaraRule, name: str, source: str, enabled: bool) -> SavedRule:
    name = _clean_name(name)
    warnings = validate_source(source)
    _check_unique(name, rule.id)
    values = {"name": name, "source": source, "enabled": enabled}
    before, after = changes(rule, list(values), values)
    for key, value in values.items():
        setattr(rule, key, value)
    if "source" in after:  # the audit trail says the source changed; the rule keeps the text itself
        before["source"] = after["source"] = "(changed)"
    record(actor, "yara_rule.updated", rule, before=before, after=after)
    db.session.commit()
    return SavedRule(rule, warnings)


def delete_rule(actor: Actor, rule: YaraRule) -> None:
    record(actor, "yara_rule.deleted", rule, before={"name": rule.name})
    db.session.delete(rule)
    db.session.commit()


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
