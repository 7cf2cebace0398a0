"""The walk: every rule of the URL map with real arguments, the pages and forms that answer, then the hostile
probes of one shard of them (path segments, query arguments, form fields), destructive ones last.

A shard is a stable slice of the rules (by a hash of the rule), so that one identity's work spreads over
several test functions (and xdist workers) and each slice is the same on every run and backend.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from flask import Flask
from werkzeug.routing import Rule

from tests.fuzz.forms import Form, Page, parse_page, query_parts
from tests.fuzz.hostile import (
    ALWAYS_IN_FORMS,
    EVERY_KNOWN_ARGUMENT,
    HOSTILE,
    ISSUE_CASES,
    KNOWN_ARGUMENTS,
    PATH_HOSTILE,
    URL_HOSTILE,
    Field,
    Hostile,
    Part,
    Text,
)
from tests.fuzz.probe import Outcome, Probe, Prober
from tests.fuzz.world import World

_ARGUMENT = re.compile(r"<(?:([^:>]+):)?([^>]+)>")
PAGE_LIMIT = 300  # pages fetched to find forms and links; the world is small, so this is never reached
TRIES_PER_PATH = 3  # links to one path tried until one renders (a details page without ?id= redirects)
# Endpoints that take state away from the rest of the walk (delete rows, end the session, close the request
# the other forms answer, merge it away): their probes are sent after everything else.
LAST_ENDPOINTS = re.compile(r"\.(delete_view|action_view)$|^portal\.(close_account|logout|remove_code|support_close)$"
                            r"|^console_auth\.logout$|^tickets\.merge_view$|^customers\.security_action$")
# CSRF is off in tests (conftest.base_config; tests/test_csrf.py proves it on), so the token field is inert here
UNFUZZED_FIELDS = {"csrf_token"}


@dataclass
class Plan:
    """The hostile values to try per slot (a field or an argument of one rule): all of them, or a few. The few
    start at a place in the list that a hash of the slot (and of `seed`, the identity) chooses, so that every
    value comes up across the slots, and a form added elsewhere in the app changes no other slot's values."""

    full: bool
    per_slot: int
    seed: str = ""

    def pick(self, values: list[Hostile], slot: str, always: Collection[str] = ()) -> list[Hostile]:
        """The values for one slot: those named in `always`, and `per_slot` of the others."""
        if self.full:
            return values
        fixed = [value for value in values if value.name in always]
        others = [value for value in values if value.name not in always]
        start = zlib.crc32(f"{self.seed}|{slot}".encode())
        return fixed + [others[(start + offset) % len(others)] for offset in range(min(self.per_slot, len(others)))]


@dataclass
class Discovery:
    pages: dict[str, Page] = field(default_factory=dict)  # path -> the first page that rendered there
    forms: dict[tuple, Form] = field(default_factory=dict)  # by signature, first seen
    queries: dict[str, list[Part]] = field(default_factory=dict)  # path -> the query of a first link to it
    query_names: dict[str, set[str]] = field(default_factory=dict)  # path -> every argument a link gives it

    def add_page(self, page: Page) -> list[str]:
        """Keep the page's forms and links; the links to visit next."""
        self.pages.setdefault(urlsplit(page.url).path, page)
        for form in page.forms:
            self.forms.setdefault(form.signature(), form)
        for link in page.links:
            path, arguments = urlsplit(link).path, query_parts(link)
            self.queries.setdefault(path, arguments)
            self.query_names.setdefault(path, set()).update(part.name for part in arguments)
        return page.links


class Walk:
    def __init__(self, app: Flask, prober: Prober, world: World, plan: Plan, shard: int, shards: int,
                 scope: Callable[[Rule], bool] = lambda rule: True):
        self.app, self.prober, self.world, self.plan = app, prober, world, plan
        self.shard, self.shards, self.scope = shard, shards, scope
        self.rules = sorted((rule for rule in app.url_map.iter_rules() if not rule.endpoint.endswith("static")),
                            key=lambda rule: (rule.rule, rule.endpoint))
        self.adapter = app.url_map.bind("localhost")
        self.endpoints = {rule.rule: rule.endpoint for rule in self.rules}
        self.discovery = Discovery()
        self.defaults_sent: set[str] = set()  # rules whose rendered form was already sent untouched

    # --- rules and their real arguments ------------------------------------------------------------------------

    def real_value(self, rule: Rule, argument: str, converter: str | None) -> str:
        """The world's value for the argument, else one of the right type that finds nothing."""
        value = self.world.value_for(rule.endpoint, argument)
        if value is not None:
            return value
        return "1" if converter == "int" else "x"

    def path_for(self, rule: Rule, overrides: dict[str, str] | None = None) -> str:
        """The rule's path with real values, percent-encoded; `overrides` are already encoded."""
        overrides = overrides or {}

        def fill(match: re.Match) -> str:
            converter, name = match.group(1), match.group(2)
            return overrides[name] if name in overrides else quote(self.real_value(rule, name, converter), safe="")

        return _ARGUMENT.sub(fill, rule.rule)

    def rule_for(self, path: str, method: str = "GET") -> Rule | None:
        try:
            rule, _ = self.adapter.match(path, method, return_rule=True)
            return rule
        except Exception:  # not found, another method, or a redirect to the slash-ended path
            return None

    def mine(self, rule: Rule | None) -> bool:
        """Whether this walk sends the rule its hostile probes: its shard, and its side of the app."""
        return (rule is not None and zlib.crc32(rule.rule.encode()) % self.shards == self.shard
                and self.scope(rule))

    def _rule_name(self, path: str, method: str = "GET") -> str:
        rule = self.rule_for(path, method)
        return rule.rule if rule else path

    @staticmethod
    def is_last(rule: Rule | None) -> bool:
        return rule is not None and _takes_state_away(rule.endpoint)

    # --- discovery ---------------------------------------------------------------------------------------------

    def discover(self) -> None:
        """GET every rule with real arguments and follow the links they show, parsing forms and links; then send
        this shard's forms untouched once (their answer may be a page with the next form, e.g. a review step)."""
        self._crawl([self.path_for(rule) for rule in self.rules if "GET" in rule.methods] + self.world.pages)
        for form in list(self.discovery.forms.values()):
            rule = self.rule_for(urlsplit(form.action).path, form.method)
            if form.method != "GET" and self.mine(rule) and not self.is_last(rule):
                self._send_untouched(form, rule)

    def _crawl(self, queue: list[str]) -> None:
        tries: dict[str, int] = {}
        while queue and len(tries) < PAGE_LIMIT:
            url = queue.pop(0)
            path = urlsplit(url).path
            if path in self.discovery.pages or tries.get(path, 0) >= TRIES_PER_PATH:
                continue
            tries[path] = tries.get(path, 0) + 1
            outcome = self.prober.send(Probe("GET", path, query_parts(url), rule=self._rule_name(path),
                                             where="real arguments"))
            if _rendered(outcome):
                queue.extend(self.discovery.add_page(parse_page(url, outcome.response.get_data(as_text=True))))

    def _send_untouched(self, form: Form, rule: Rule) -> None:
        self.defaults_sent.add(rule.rule)
        outcome = self.prober.send(Probe(form.method, urlsplit(form.action).path, query_parts(form.action),
                                         form.default_parts(), force_multipart=form.is_multipart,
                                         rule=rule.rule, where="form as rendered"))
        if _rendered(outcome) and not outcome.refused:
            self.discovery.add_page(parse_page(form.action, outcome.response.get_data(as_text=True)))

    # --- probes ------------------------------------------------------------------------------------------------

    def probes(self) -> Iterator[Probe]:
        """Every probe of this shard, those of the endpoints that take state away last."""
        early, late = [], []
        for probe in self._all_probes():
            (late if _takes_state_away(self.endpoints.get(probe.rule, "")) else early).append(probe)
        yield from early
        yield from late

    def _all_probes(self) -> Iterator[Probe]:
        for rule in self.rules:
            if self.mine(rule):
                yield from self._plain_writes(rule)
                yield from self._path_probes(rule)
        for path in sorted(self.discovery.pages):
            if self.mine(self.rule_for(path)):
                yield from self._query_probes(path)
        for form in self.discovery.forms.values():
            if self.mine(self.rule_for(urlsplit(form.action).path, form.method)):
                yield from self._form_probes(form)

    def _form_for(self, rule: Rule) -> Form | None:
        for form in self.discovery.forms.values():
            if form.method != "GET" and self.rule_for(urlsplit(form.action).path, form.method) is rule:
                return form
        return None

    def _plain_writes(self, rule: Rule) -> Iterator[Probe]:
        """Each writing method with real arguments, unless discovery sent the rendered form already: the form's
        defaults if one posts here (a destructive one, sent last), else an empty body."""
        if rule.rule in self.defaults_sent:
            return
        form = self._form_for(rule)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            yield Probe(method, self.path_for(rule), _action_query(form), form.default_parts() if form else [],
                        force_multipart=bool(form and form.is_multipart), rule=rule.rule, where="real arguments")

    def _path_probes(self, rule: Rule) -> Iterator[Probe]:
        form = self._form_for(rule)
        for argument in rule.arguments:
            for hostile in self.plan.pick(PATH_HOSTILE, f"{rule.rule} <{argument}>"):
                path = self.path_for(rule, {argument: hostile.in_url()})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    body = None if method == "GET" else (form.default_parts() if form else [])
                    yield Probe(method, path, [], body, force_multipart=bool(form and form.is_multipart),
                                rule=rule.rule, where=f"path <{argument}>", hostile=hostile.name,
                                payload=hostile.content)

    def _known_arguments(self, kind: str) -> list[str]:
        """Every known argument on every page in the full run; by the kind of page otherwise."""
        return EVERY_KNOWN_ARGUMENT if self.plan.full else KNOWN_ARGUMENTS.get(kind, [])

    def _query_probes(self, path: str) -> Iterator[Probe]:
        rule = self._rule_name(path)
        kind = self.endpoints.get(rule, "").rpartition(".")[2]
        base = self.discovery.queries.get(path) or query_parts(self.discovery.pages[path].url)
        names = sorted(self.discovery.query_names.get(path, set()) | set(self._known_arguments(kind)))
        for name in names:
            picked = self.plan.pick(URL_HOSTILE, f"{rule} ?{name}")
            named = ISSUE_CASES.get(kind, {}).get(name, [])
            for hostile in picked + [value for value in URL_HOSTILE if value.name in named and value not in picked]:
                query = hostile.apply(base, Field(name, "text", b"2"))
                if query is not None:
                    yield Probe("GET", path, query, rule=rule, where=f"query {name}", hostile=hostile.name,
                                payload=_payload(hostile))

    def _form_probes(self, form: Form) -> Iterator[Probe]:
        defaults = form.default_parts()
        path = urlsplit(form.action).path
        rule = self._rule_name(path, form.method)
        for item in form.fields():
            if item.name in UNFUZZED_FIELDS:
                continue
            fitting = [value for value in HOSTILE if value.fits(item)]
            for hostile in self.plan.pick(fitting, f"{form.method} {rule} {item.name}", ALWAYS_IN_FORMS):
                parts = hostile.apply(defaults, item)
                if parts is None or (form.method == "GET" and any(part.is_file for part in parts)):
                    continue  # the value means nothing for this field, or a query string cannot carry a file
                query = parts if form.method == "GET" else _action_query(form)
                body = None if form.method == "GET" else parts
                yield Probe(form.method, path, query, body, force_multipart=form.is_multipart, rule=rule,
                            where=f"form {item.name}", hostile=hostile.name, payload=_payload(hostile),
                            single_line=item.kind != "textarea")


def _takes_state_away(endpoint: str) -> bool:
    return bool(LAST_ENDPOINTS.search(endpoint))


def _rendered(outcome: Outcome) -> bool:
    response = outcome.response
    return response is not None and outcome.status == 200 and response.mimetype == "text/html"


def _payload(hostile: Hostile) -> bytes | None:
    return hostile.content if isinstance(hostile, Text) else None


def _action_query(form: Form | None) -> list[Part]:
    return query_parts(form.action) if form else []
