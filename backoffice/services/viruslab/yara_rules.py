"""The enabled YARA rule set: its sources, its version, and its compiled rules, compiled once per version.

Sources are the shipped files `YARA_RULES_DIR/*.yar` (namespace `file:<stem>`) and the analysts' enabled rules
(`db:<id>`), each in its own namespace so two sources may reuse a rule name. The *version* is a hash over those
sources (and the YARA version, whose compiled format it names). Compiled rules are kept:

- in memory, per process, by version (the last few versions, so jobs still running on the previous one keep it);
- on disk as `<STORAGE_DIR>/yara/<version>.yarc` (`rules.save()`: temp file, fsync, rename), so another process
  (a second worker, a restarted one) calls `yara.load()` instead of compiling.

Two processes that miss at once both compile and both rename an equivalent file into place: harmless, and no
lock is needed for correctness. `compile_count()` counts whole-rule-set compiles in this process. A saved file is
loaded as trusted (YARA's compiled format is not meant for untrusted input): only this module writes there.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import yara
from flask import current_app
from sqlalchemy import select

from backoffice.extensions import db
from backoffice.models import YaraRule
from backoffice.services import ServiceError

# The external variables THOR/LOKI-style community rules use; compiled with empty defaults, given per file.
EXTERNAL_DEFAULTS = {"filename": "", "filepath": "", "extension": "", "filetype": ""}
KEPT_VERSIONS = 4  # compiled rule sets held in memory per process
KEPT_FINGERPRINTS = 64
KEPT_SAVED_FILES = 8  # saved .yarc files; older ones are removed (a process that loses a race for one compiles)

_lock = threading.Lock()  # one compile at a time per process; other processes may compile too (see above)
_rulesets: OrderedDict[str, RuleSet] = OrderedDict()
_compiles = 0


@dataclass(frozen=True, eq=False)
class RuleSet:
    """One version of the enabled rules. `rules` is None when no source is enabled or the set does not compile
    (`error` then says why). `sources` are kept so a slow scan can be traced to one namespace."""

    version: str
    rules: yara.Rules | None
    sources: dict[str, str]
    error: str | None = None
    warnings: tuple[str, ...] = ()
    _by_namespace: dict[str, yara.Rules] = field(default_factory=dict, repr=False, compare=False)

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(self.sources)

    def namespace_rules(self, namespace: str) -> yara.Rules:
        """The rules of one namespace alone, compiled on first use (only to find a slow namespace)."""
        if namespace not in self._by_namespace:
            self._by_namespace[namespace] = compile_sources({namespace: self.sources[namespace]})
        return self._by_namespace[namespace]


def compile_count() -> int:
    """How many times this process compiled a whole rule set (cache hits and `yara.load()` do not count)."""
    return _compiles


def active_ruleset() -> RuleSet:
    """The compiled rules of the enabled set as it is now: from memory, else from the saved file, else compiled.

    The check runs for every job, so it must not read and hash megabytes of sources each time. It reads a
    fingerprint instead: the shipped files' names, sizes and mtimes (a stat each) and the enabled rules' ids and
    `updated_at` (one small query; every edit, enabling included, moves `updated_at`). The fingerprint maps to
    the content version in a per-app table; on a miss the sources are read and hashed once. The fingerprint of
    the rows is taken from the same query as their sources, so it can never name newer content than it saw.
    Content, not the fingerprint, names the compiled file: a touched but unchanged file compiles nothing.
    """
    fingerprint = _fingerprint(_file_stats(), _enabled_rule_stamps())
    # per app: ids and timestamps of one database say nothing about another's (tests build an app per database)
    versions = current_app.extensions.setdefault("yara_versions", OrderedDict())
    ruleset = _cached(versions.get(fingerprint))
    if ruleset is not None:
        return ruleset
    sources, fingerprint = _read_sources()
    version = content_version(sources)
    _remember(versions, fingerprint, version, KEPT_FINGERPRINTS)
    return _ruleset_for(version, sources)


def rule_sources() -> dict[str, str]:
    """Every enabled rule source by namespace: the shipped files, then the analysts' rules."""
    return _read_sources()[0]


def content_version(sources: dict[str, str]) -> str:
    digest = hashlib.sha256(f"yara {yara.YARA_VERSION}; externals {sorted(EXTERNAL_DEFAULTS)}\n".encode())
    for namespace, source in sources.items():
        data = source.encode()
        digest.update(f"{namespace}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:32]


def compile_sources(sources: dict[str, str]) -> yara.Rules:
    """The one way rules are compiled: no `include` (a rule must not read the server's files, nor echo them in a
    compiler message), the external variables defined, warnings kept on `rules.warnings` rather than fatal."""
    return yara.compile(sources=sources, includes=False, externals=EXTERNAL_DEFAULTS, error_on_warning=False)


def validate_source(source: str) -> list[str]:
    """Compile `source` alone; refuse it with the compiler's own message if it does not compile. Returns the
    compiler's warnings (a slow string, say), which the analyst should see."""
    if not source or not source.strip():
        raise ServiceError("Enter the rule's source.", "source")
    if "\0" in source:
        raise ServiceError("The rule source contains a NUL character (byte 0); YARA sources are text. "
                           "Write binary values as hex strings, e.g. { 00 01 }.", "source")
    limit = current_app.config["YARA_RULE_MAX_BYTES"]
    if len(source.encode("utf-8", errors="surrogatepass")) > limit:
        raise ServiceError(f"A rule source may hold at most {_human_bytes(limit)}.", "source")
    try:
        rules = compile_sources({"check": source})
    except yara.SyntaxError as error:
        raise ServiceError(f"The rule does not compile: {error}", "source") from None
    except (yara.Error, UnicodeError) as error:
        raise ServiceError(f"The rule was refused by YARA: {error}", "source") from None
    return list(rules.warnings)


def _ruleset_for(version: str, sources: dict[str, str]) -> RuleSet:
    with _lock:  # a second thread missing at the same time waits and then finds the first one's result
        ruleset = _cached(version)
        if ruleset is not None:
            return ruleset
        ruleset = _load_saved(version, sources) or _compile_and_save(version, sources)
        _remember(_rulesets, version, ruleset, KEPT_VERSIONS)
        return ruleset


def _cached(version: str | None) -> RuleSet | None:
    ruleset = _rulesets.get(version) if version else None
    if ruleset is not None:
        try:
            _rulesets.move_to_end(version)
        except KeyError:  # evicted by another thread just now; the caller still has it
            pass
    return ruleset


def _load_saved(version: str, sources: dict[str, str]) -> RuleSet | None:
    path = _saved_path(version)
    if not sources or not path.is_file():
        return None
    try:
        return RuleSet(version, yara.load(filepath=str(path)), sources)
    except yara.Error:  # unreadable (another YARA build wrote it?): compile and overwrite
        return None


def _compile_and_save(version: str, sources: dict[str, str]) -> RuleSet:
    global _compiles
    if not sources:
        return RuleSet(version, None, sources)
    try:
        _compiles += 1
        rules = compile_sources(sources)
    except (yara.Error, UnicodeError) as error:
        # e.g. a shipped file broken on disk: scans then report this instead of failing the caller
        return RuleSet(version, None, sources, error=f"The enabled YARA rules do not compile: {error}")
    _save_atomically(rules, _saved_path(version))
    _prune_saved(_saved_path(version))
    return RuleSet(version, rules, sources, warnings=tuple(rules.warnings))


def _save_atomically(rules: yara.Rules, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # not named "*.yarc" until renamed, so another process's pruning never removes it mid-write
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".yarc-tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            rules.save(file=temp)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _prune_saved(just_saved: Path) -> None:
    """Keep the newest few saved sets (mtime order; ties within the file system's clock tick fall either way,
    but the one just saved always stays)."""

    def modified(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except FileNotFoundError:  # pruned by another process meanwhile
            return 0

    others = [path for path in just_saved.parent.glob("*.yarc") if path != just_saved]
    for path in sorted(others, key=modified, reverse=True)[KEPT_SAVED_FILES - 1:]:
        path.unlink(missing_ok=True)


def _saved_path(version: str) -> Path:
    return Path(current_app.config["STORAGE_DIR"]).resolve() / "yara" / f"{version}.yarc"


def _rule_files() -> list[Path]:
    return sorted(Path(current_app.config["YARA_RULES_DIR"]).glob("*.yar"))


def _file_stats() -> tuple:
    stats = [current_app.config["YARA_RULES_DIR"]]  # another directory is another set, even with equal stats
    for path in _rule_files():
        stat = path.stat()
        stats.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(stats)


def _enabled_rule_stamps() -> tuple:
    rows = db.session.execute(select(YaraRule.id, YaraRule.updated_at).where(YaraRule.enabled).order_by(YaraRule.id))
    return tuple((rule_id, updated_at.isoformat()) for rule_id, updated_at in rows)


def _read_sources() -> tuple[dict[str, str], str]:
    """The sources and the fingerprint of exactly what was read (file stats are taken before each read, so a
    file written meanwhile gives a fingerprint that will not recur)."""
    sources, stats = {}, [current_app.config["YARA_RULES_DIR"]]
    for path in _rule_files():
        stat = path.stat()
        stats.append((path.name, stat.st_size, stat.st_mtime_ns))
        sources[f"file:{path.stem}"] = path.read_text(encoding="utf-8")
    stamps = []
    rows = db.session.execute(select(YaraRule.id, YaraRule.updated_at, YaraRule.source)
                              .where(YaraRule.enabled).order_by(YaraRule.id))
    for rule_id, updated_at, source in rows:
        stamps.append((rule_id, updated_at.isoformat()))
        sources[f"db:{rule_id}"] = source
    return sources, _fingerprint(tuple(stats), tuple(stamps))


def _fingerprint(file_stats: tuple, rule_stamps: tuple) -> str:
    return hashlib.sha256(repr((file_stats, rule_stamps)).encode()).hexdigest()


def _remember(table: OrderedDict, key, value, keep: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > keep:
        table.popitem(last=False)


def _human_bytes(count: int) -> str:
    mb = 1024 * 1024
    return f"{count // mb} MB" if count % mb == 0 else f"{count:,} bytes"
