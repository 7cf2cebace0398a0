"""Sending one request and judging it: a 5xx, a row written by a request that was refused, or the hostile text
itself in a row written. Every finding is kept; the test asserts on all of them at the end.

"Refused" means a 4xx, an error flashed (Flask-Admin and the app flash category "error"), or a 200 page that
shows a form's error (`is-invalid` / `invalid-feedback`, the markup of every form macro here and in Flask-Admin,
or a form-level `alert-danger`). A 422 is a 4xx.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from flask import Flask, message_flashed
from sqlalchemy import Table
from werkzeug.test import TestResponse

from backoffice.extensions import db, limiter
from tests.fuzz.hostile import Part, multipart, query_string, urlencoded
from tests.fuzz.ledger import Ledger, RowChange

# a field's error (the form macros, Flask-Admin) or a form-level one (macros.form_errors, the Virus Lab reply)
_FIELD_ERROR = re.compile(r'\bis-invalid\b|\binvalid-feedback\b|class="alert alert-danger"[^>]*role="alert"')
# Characters no stored text may hold (issue 11: "text free of NUL and control characters"); tab, newline and CR
# belong in text areas, so a newline counts only where a single line was sent (see Probe.single_line).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_TEXT_LIMIT_STORED = 20_000  # longer than any column's own limit: a 1 MB value stored whole is a finding


@dataclass(frozen=True)
class Probe:
    """One request: where the hostile value went (`where`, e.g. "form body"), which value, and the request."""

    method: str
    path: str  # percent-encoded, as on the wire
    query: list[Part] = field(default_factory=list)
    body: list[Part] | None = None
    force_multipart: bool = False
    rule: str = ""  # the URL rule it is meant for (a hostile path may match none)
    where: str = "-"
    hostile: str = "-"
    payload: bytes | None = None  # the hostile content, to recognise it if it is stored
    single_line: bool = True  # the field takes one line of text (an <input>, not a <textarea>)

    def encoded_body(self) -> tuple[bytes | None, str | None]:
        if self.body is None:
            return None, None
        if self.force_multipart or any(part.is_file for part in self.body):
            return multipart(self.body)
        return urlencoded(self.body), "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Finding:
    kind: str  # "5xx", "write on refusal", "hostile text stored"
    method: str
    rule: str
    where: str
    status: int
    detail: str


@dataclass
class Outcome:
    response: TestResponse | None
    status: int
    refused: bool


@contextmanager
def app_errors_in(caplog) -> Iterator[None]:
    """The app's "unhandled error" records go to caplog only, not on to the captured log: the prober reads each
    one, and hundreds of tracebacks in a failing test's output would bury its report."""
    logger = logging.getLogger("backoffice")
    propagate, level = logger.propagate, logger.level
    caplog.handler.setLevel(logging.ERROR)
    logger.addHandler(caplog.handler)
    logger.propagate = False
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.removeHandler(caplog.handler)
        logger.propagate, logger.level = propagate, level


class Prober:
    def __init__(self, app: Flask, client, ledger: Ledger, caplog,
                 after_each: Callable[[list[RowChange]], None] = lambda changes: None):
        self.app, self.client, self.ledger, self.caplog = app, client, ledger, caplog
        self.after_each = after_each
        self.findings: dict[Finding, set[str]] = {}  # -> the hostile values that caused it
        self.sent = 0
        # how many answers were refusals, and how many accepted ones wrote rows: a walk whose probes all bounce
        # off a sign-in page would show it here
        self.refused = 0
        self.accepted_writes = 0
        self.allowed_refusal_writes: dict[str, int] = {}  # what refusals wrote that legitimate_on_refusal allows
        self._flashes: list[tuple[str, str]] = []
        self._adapter = app.url_map.bind("localhost")
        message_flashed.connect(self._note_flash, app)

    def close(self) -> None:
        message_flashed.disconnect(self._note_flash, self.app)

    def _note_flash(self, sender, message: str, category: str, **extra) -> None:
        self._flashes.append((category, message))

    def send(self, probe: Probe) -> Outcome:
        self._flashes.clear()
        self.caplog.clear()
        limiter.reset()  # the limits have their own tests; here they would hide the code behind them
        response, status, crash = self._open(probe)
        db.session.remove()  # as the end of a real request does: nothing uncommitted survives it
        changes = self.ledger.refresh()
        refused = self._refused(response, status)
        self.refused += refused
        self.accepted_writes += bool(changes) and not refused
        self._judge(probe, status, crash, refused, changes)
        self.sent += 1
        self.after_each(changes)
        self.ledger.refresh()  # what after_each wrote (signing in again) is no probe's doing
        return Outcome(response, status, refused)

    def _open(self, probe: Probe) -> tuple[TestResponse | None, int, str | None]:
        body, content_type = probe.encoded_body()
        raw_path = unquote_to_bytes(probe.path).decode("latin-1")  # what a WSGI server puts in PATH_INFO
        query = query_string(probe.query)
        try:
            response = self.client.open(
                probe.path, method=probe.method, query_string=query, data=body, content_type=content_type,
                environ_overrides={"PATH_INFO": raw_path, "RAW_URI": probe.path + (f"?{query}" if query else ""),
                                   "REQUEST_URI": probe.path + (f"?{query}" if query else "")})
        except Exception as error:  # raised past every error handler (the test client re-raises in TESTING)
            db.session.rollback()
            return None, 500, _last_line(error)
        return response, response.status_code, None

    def _refused(self, response: TestResponse | None, status: int) -> bool:
        if status >= 400 or any(category == "error" for category, _ in self._flashes):
            return True
        if response is not None and status == 200 and response.mimetype == "text/html":
            return bool(_FIELD_ERROR.search(response.get_data(as_text=True)))
        return False

    def _judge(self, probe: Probe, status: int, crash: str | None, refused: bool, changes: list[RowChange]):
        rule = probe.rule or self.rule_of(probe.method, probe.path)
        if status >= 500:
            self._add(Finding("5xx", probe.method, rule, probe.where, status, crash or self._logged_error()),
                      probe.hostile)
        kept = changes
        if refused and status < 500:
            kept = [change for change in changes if legitimate_on_refusal(change, rule)]
            for change in kept:
                key = f"{rule}: {change.describe()}"
                self.allowed_refusal_writes[key] = self.allowed_refusal_writes.get(key, 0) + 1
            written = sorted({change.describe() for change in changes if change not in kept})
            if written:
                self._add(Finding("write on refusal", probe.method, rule, probe.where, status,
                                  "; ".join(written)[:600]), probe.hostile)
        if probe.payload is not None:  # what was written, refused or not, must not hold the hostile text
            stored = sorted({f"{change.table}.{column}" for change in kept
                             for column in _hostile_columns(change, probe, self.ledger.tables[change.table])})
            if stored:
                self._add(Finding("hostile text stored", probe.method, rule, probe.where, status,
                                  ", ".join(stored)), probe.hostile)

    def _add(self, finding: Finding, hostile: str) -> None:
        self.findings.setdefault(finding, set()).add(hostile)

    def _logged_error(self) -> str:
        for record in self.caplog.records:
            if record.getMessage().startswith("unhandled error") and record.exc_info:
                return _last_line(record.exc_info[1])
        return "(no traceback logged)"

    def rule_of(self, method: str, path: str) -> str:
        """The rule a path matches, else the path itself (shortened)."""
        try:
            rule, _ = self._adapter.match(unquote_to_bytes(path).decode("utf-8", "replace"), method,
                                          return_rule=True)
            return rule.rule
        except Exception:  # not found, another method, a redirect to the slash-ended path
            return path if len(path) < 80 else path[:77] + "..."


def _last_line(error: BaseException) -> str:
    """The exception's last line as a traceback ends with it (its first line, for a multi-line message), with
    the offsets and addresses that differ from page to page taken out, so one fault reads as one finding."""
    line = traceback.format_exception_only(type(error), error)[-1].strip().splitlines()[0][:300]
    return re.sub(r"0x[0-9a-f]{6,}", "0x…", re.sub(r"position \d+", "position …", line))


def _hostile_columns(change: RowChange, probe: Probe, table: Table) -> list[str]:
    """The columns of a written row that hold the probe's hostile text: a control character, invalid UTF-8,
    a line break sent in a single-line field, more than the column's declared length (SQLite does not enforce
    it; PostgreSQL would have answered 500), or a megabyte kept whole in a column without a length."""
    if change.after is None:
        return []
    sent = probe.payload.decode("utf-8", "surrogateescape")
    found = []
    for column in sorted(change.changed_columns()):
        value = change.after.get(column)
        if not isinstance(value, str):
            continue
        declared = getattr(table.columns[column].type, "length", None)
        if (_CONTROL.search(value) and _CONTROL.search(sent)) or ("\ufffd" in value and b"\xff" in probe.payload):
            found.append(column)
        elif probe.single_line and ("\n" in sent or "\r" in sent) and sent in value:
            found.append(column)  # the line break kept verbatim (multi-line mail bodies hold others)
        elif len(value) > (declared or _TEXT_LIMIT_STORED) and len(sent) > (declared or _TEXT_LIMIT_STORED):
            found.append(column)
    return found


# Writes a refused request may make, each for a reason of the design. No table is left out wholesale: sessions
# keep no last-seen time (models/sessions.py) and rate limits and failed-sign-in counters live in the limiter's
# storage, not in the database (services/login_throttle.py), so every other row a refusal writes is a finding.
SIGN_IN_RULES = {"/login", "/console/login"}
# a refused sign-in is a security event: the audit log and the dashboard's "failed sign-ins" count it
SIGN_IN_EVENTS = {"staff.login_failed", "customer.login_failed", "customer.login_refused_locked"}
EMAIL_CONFIRM_RULE = "/account/email/confirm/<token>"
WIZARD_STEP_RULE = "/support/new/<key>/step/<int:step>"


def legitimate_on_refusal(change: RowChange, rule: str) -> bool:
    row = change.after or change.before
    if change.table == "captcha_challenges":
        return True  # a form shown again with its captcha gets a new challenge (each is single-use)
    if rule in SIGN_IN_RULES:
        if change.table == "audit_events" and change.kind == "inserted":
            return row["action"] in SIGN_IN_EVENTS
        # counting an account's failed sign-ins is part of refusing them (services/customer_auth.py, staff.py)
        return change.table in ("customers", "staff_users") and change.changed_columns() == {"failed_logins"}
    if rule == EMAIL_CONFIRM_RULE:
        # an address taken meanwhile: the link is spent and the refusal recorded (services/email_change.py)
        return ((change.table == "audit_events" and row["action"] == "customer.email_change_refused")
                or (change.table == "one_time_tokens" and change.changed_columns() == {"used_at"})
                or (change.table == "customers" and change.changed_columns() == {"pending_email"}))
    if rule == WIZARD_STEP_RULE:
        # the wizard keeps what was typed on the server, so that a refused step loses nothing
        # (portal/support_wizard.py); its files are not kept (services/support/wizard.py), so they count
        return change.table == "wizard_drafts" and change.kind in ("inserted", "updated")
    return False
