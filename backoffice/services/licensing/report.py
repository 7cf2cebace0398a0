"""What a bulk operation (import, blacklist) says back: every bad line with its number and reason."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from backoffice.services.labels import plural


@dataclass(frozen=True)
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason  # line 0: about the whole file


@dataclass
class BulkReport:
    dry_run: bool = False
    checked: int = 0  # data lines read
    written: int = 0  # rows written (0 on a dry run or when any line is bad: all or nothing)
    errors: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, reason: str) -> None:
        self.errors.append(LineError(line, reason))

    def sort(self) -> None:
        self.errors.sort(key=lambda error: error.line)

    def summary(self) -> str:
        if self.errors:
            bad = "is bad" if len(self.errors) == 1 else "are bad"
            return (f"{len(self.errors):,} of {plural(self.checked, 'line')} {bad}; nothing was written. "
                    "Fix them and send the file again.")
        if self.dry_run:
            good = "The line is good" if self.checked == 1 else f"All {self.checked:,} lines are good"
            return f"{good} (dry run: nothing was written)."
        return f"Wrote {plural(self.written, 'row')} from {plural(self.checked, 'line')}."


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
