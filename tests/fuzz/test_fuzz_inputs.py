"""Issue 11, item 2: no input, however strange, gets a 500, and a refused request writes nothing.

Every rule of the app's URL map is walked as each identity (anonymous, the world's customer, a staff user of
each role), with real arguments first (so that pages render and their forms and links are found), then with the
hostile values of tests/fuzz/hostile.py in each path segment, each query argument (those the page's links use
and those the kind of page reads) and each field of each form found, one field at a time, the others as
rendered. It runs on SQLite and, with BACKOFFICE_TEST_DATABASE_URL, on PostgreSQL, as every test does.

A request fails the test if it answers 5xx (the exception's last line is taken from the app's log), if it was
refused and still wrote a row (see probe.legitimate_on_refusal for the writes a refusal may make, and why), or
if what it wrote holds the hostile text (a NUL, a control character, invalid UTF-8, a line break sent in a
single-line field, more text than the column declares). All findings of a test are collected and reported
together at the end; tests/fuzz/conftest.py lists them once more, deduplicated across identities and backends.

Bounds. The default run (CI's) sends to each slot (a form field, a query argument, a path segment) PER_SLOT
hostile values, a different one per slot and identity (walk.Plan: every value comes up across the slots, the
same on every run), plus, to every form field, hostile.ALWAYS_IN_FORMS (NUL, invalid UTF-8, a file for text,
text for a file) and, to the list and record pages, the arguments issue 11 names (hostile.ISSUE_CASES:
page=99999999999999999999, sort=999, desc=x, id=1,2, url with a newline and with 1 MB, ...). A customer fuzzes
the portal and staff the console (each still GETs every rule), anonymous both. That is about 3,100 requests
and 40 s of CPU per backend: some 20-25 s with -n 2 on an idle two-core machine. BACKOFFICE_FUZZ_FULL=1 sends
every value to every slot as every identity on every rule (about 35,000 requests per backend, 15-30 minutes
for both). A test that outruns BUDGET_CPU_SECONDS stops sending and warns.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import astuple

import pytest
from werkzeug.routing import Rule

from tests.fuzz.conftest import FINDINGS_PROPERTY
from tests.fuzz.identities import IDENTITIES, SignedIn
from tests.fuzz.ledger import Ledger
from tests.fuzz.probe import Finding, Prober, app_errors_in
from tests.fuzz.walk import Plan, Walk
from tests.fuzz.world import build_world

FULL = os.environ.get("BACKOFFICE_FUZZ_FULL") == "1"
PER_SLOT = 1
# per test, in this process's CPU time (a loaded CI machine stretches the wall clock, not this); the default
# run needs a quarter of it, so reaching it means a page got much slower or the walk much longer
BUDGET_CPU_SECONDS = 900 if FULL else 60
# The full run's long walks are split in shards (slices of the rules), so that xdist spreads them; by default
# each identity is one test, as every shard repeats the discovery.
FULL_SHARDS = {"anonymous": 1, "customer": 2, "admin": 4, "support": 2, "analyst": 2}
SHARDS = FULL_SHARDS if FULL else dict.fromkeys(IDENTITIES, 1)
CASES = [(identity, shard) for identity in IDENTITIES for shard in range(SHARDS[identity])]


def scope(identity: str) -> Callable[[Rule], bool]:
    """The rules an identity sends hostile values to (it GETs every rule either way). By default a customer
    fuzzes the portal and staff the console, where their sign-in opens anything; anonymous fuzzes both (the
    guards in front of everything). The full run: every rule as everyone."""
    if FULL or identity == "anonymous":
        return lambda rule: True
    console = identity != "customer"

    def in_scope(rule: Rule) -> bool:
        return rule.rule.startswith("/console") == console

    return in_scope


@pytest.mark.parametrize(("identity", "shard"), CASES, ids=[f"{name}-{shard}" for name, shard in CASES])
def test_hostile_input_is_refused_cleanly(app, client, make, sign_in_customer, caplog, record_property, identity,
                                          shard):
    signed_in = SignedIn(identity, client, build_world(make), sign_in_customer)
    signed_in.start()
    ledger = Ledger()
    prober = Prober(app, client, ledger, caplog, after_each=signed_in.check)
    plan = Plan(full=FULL, per_slot=PER_SLOT, seed=identity)
    walk = Walk(app, prober, signed_in.world, plan, shard, SHARDS[identity], scope(identity))
    started, cpu_started = time.monotonic(), time.process_time()
    with app_errors_in(caplog):
        walk.discover()
        send_within_budget(walk, prober, f"{identity} (shard {shard})", cpu_started)
    prober.close()
    ledger.close()
    record_property(FINDINGS_PROPERTY, [(*astuple(f), sorted(values)) for f, values in prober.findings.items()])
    summary = (f"as {identity} (shard {shard}): {prober.sent} requests in {time.monotonic() - started:.1f} s "
               f"({time.process_time() - cpu_started:.1f} s CPU), {prober.refused} refused, "
               f"{prober.accepted_writes} accepted that wrote, {len(walk.discovery.pages)} pages, "
               f"{len(walk.discovery.forms)} forms, signed in again {signed_in.restored} times")
    print(summary, *(f"  allowed on refusal, {count}x: {write}"
                     for write, count in sorted(prober.allowed_refusal_writes.items())), sep="\n")
    if prober.findings:
        pytest.fail(report(prober.findings, summary), pytrace=False)


def send_within_budget(walk: Walk, prober: Prober, label: str, cpu_started: float) -> None:
    for probe in walk.probes():
        if time.process_time() - cpu_started > BUDGET_CPU_SECONDS:
            warnings.warn(f"fuzz as {label} stopped after {prober.sent} requests: over its budget of "
                          f"{BUDGET_CPU_SECONDS} s CPU", stacklevel=2)
            return
        prober.send(probe)


def report(findings: dict[Finding, set[str]], summary: str) -> str:
    lines = [f"{len(findings)} distinct findings {summary}:"]
    for finding in sorted(findings, key=lambda f: (f.kind, f.rule, f.method, f.where, f.status)):
        lines.append(f"  [{finding.kind}] {finding.method} {finding.rule}  {finding.where}  "
                     f"<- {', '.join(sorted(findings[finding]))}  => {finding.status}: {finding.detail}")
    return "\n".join(lines)
