"""One deduplicated list of the fuzz's findings across identities, shards and backends, after the run.

Each fuzz test asserts on its own findings; the same fault seen by several identities or on both backends is
listed once here, with who saw it. The findings travel in the reports' user_properties, so this works under
xdist too, where the hook runs in the controller: that loads this file when tests/fuzz (or a file in it) is
named on the command line; a run of the whole suite with -n still shows each test's own report.
"""

from __future__ import annotations

FINDINGS_PROPERTY = "fuzz_findings"


def pytest_terminal_summary(terminalreporter) -> None:
    merged: dict[tuple, tuple[set[str], set[str]]] = {}
    for report in terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("passed", []):
        if report.when != "call":
            continue
        for name, findings in report.user_properties:
            if name != FINDINGS_PROPERTY:
                continue
            case = report.nodeid.rpartition("[")[2].rstrip("]")
            for *finding, values in findings:
                seen_by, hostile = merged.setdefault(tuple(finding), (set(), set()))
                seen_by.add(case)
                hostile.update(values)
    if not merged:
        return
    terminalreporter.section(f"fuzz findings: {len(merged)} distinct")
    for (kind, method, rule, where, status, detail), (seen_by, hostile) in sorted(merged.items()):
        terminalreporter.write_line(f"[{kind}] {method} {rule}  {where}  <- {', '.join(sorted(hostile))}  "
                                    f"=> {status}: {detail}   (seen by {', '.join(sorted(seen_by))})")
