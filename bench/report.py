"""How the benchmarks report: progress on stderr, PASS/MISS verdicts, and the markdown results file."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def verdict(label: str, ratio: float, limit: float, digits: int = 3) -> str:
    return f"{'PASS' if ratio <= limit else 'MISS'}  {label}: {ratio:.{digits}f}x (target <= {limit}x)"


def measured_at() -> str:
    return time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())


def write_markdown(path: Path, title: str, command: str, measured: str, table: str, verdicts: list[str]) -> None:
    """The table and the target verdicts, under the command that produced them and when and where it ran."""
    path.write_text("\n".join([
        f"# {title}: measured figures", "", f"Command: `{command}`  ", f"Measured: {measured}", "",
        table, "", "Targets (p50):", "", *[f"- {line}" for line in verdicts], "",
    ]))


def markdown_table(header: list[str], align: str, rows: list[list[str]]) -> str:
    """A markdown table; `align` has one letter a column, "l" or "r" (right-aligned: numbers)."""
    rule = "|" + "|".join("---:" if side == "r" else "---" for side in align) + "|"
    return "\n".join([_line(header), rule, *map(_line, rows)])


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
