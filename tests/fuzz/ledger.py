"""What one request wrote: the rows of every table before and after it, compared row by row.

Reading every table after every request would dominate the run, so a listener on the engine notes which tables
the app's statements touched, and only those are read again (a DELETE may cascade, so it re-reads them all;
a statement this cannot parse does too). Nothing else writes to the test database while the fuzz runs: no
worker is started, so the listener sees every write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, event, select
from sqlalchemy.engine import Connection

from backoffice.extensions import db

_WRITE = re.compile(r'^\s*(?P<verb>INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+'
                    r'"?(?P<table>\w+)"?', re.IGNORECASE)
_READ_ONLY = re.compile(r"^\s*(?:SELECT|PRAGMA|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|EXPLAIN|SHOW|SET\s)",
                        re.IGNORECASE)
Row = tuple


@dataclass(frozen=True)
class RowChange:
    table: str
    kind: str  # inserted, deleted, updated
    before: dict | None
    after: dict | None

    def changed_columns(self) -> set[str]:
        if self.before is None or self.after is None:
            return set((self.before or self.after or {}).keys())
        return {name for name in self.after if self.after[name] != self.before.get(name)}

    def describe(self) -> str:
        """The change without ids and times, so the same write reads the same in every run."""
        row = self.after if self.after is not None else self.before
        if self.kind == "updated":
            return f"updated {self.table}.{'/'.join(sorted(self.changed_columns()))}"
        if self.table == "audit_events":
            return f"{self.kind} {self.table}(action={row.get('action')!r})"
        return f"{self.kind} {self.table}"


class Ledger:
    """Row-level snapshots of every model table, kept current by re-reading the tables a statement touched."""

    def __init__(self) -> None:
        self.tables = {table.name: table for table in db.metadata.sorted_tables}
        self.rows: dict[str, dict[Row, dict]] = {}
        self.dirty: set[str] = set(self.tables)
        event.listen(Engine, "before_cursor_execute", self._note_statement)
        self.refresh()

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._note_statement)

    def _note_statement(self, conn: Connection, cursor, statement: str, parameters, context, executemany) -> None:
        match = _WRITE.match(statement)
        if match is None:
            if not _READ_ONLY.match(statement):
                self.dirty.update(self.tables)  # a statement this cannot read: assume it wrote anywhere
        elif match["verb"].upper().startswith("DELETE") or match["table"] not in self.tables:
            self.dirty.update(self.tables)  # a DELETE may cascade (ON DELETE CASCADE / SET NULL)
        else:
            self.dirty.add(match["table"])

    def refresh(self) -> list[RowChange]:
        """Re-read the touched tables; the row changes since the last refresh."""
        changes: list[RowChange] = []
        dirty, self.dirty = self.dirty, set()
        if not dirty:
            return changes
        with db.engine.connect() as connection:  # its own connection: only what was committed counts
            for name in sorted(dirty):
                new = self._read(connection, name)
                changes.extend(_compare(name, self.rows.get(name, {}), new))
                self.rows[name] = new
        return changes

    def _read(self, connection: Connection, name: str) -> dict[Row, dict]:
        table = self.tables[name]
        key = list(table.primary_key.columns) or list(table.columns)
        result = connection.execute(select(table))
        rows = {}
        for mapping in result.mappings():
            row = dict(mapping)
            rows[tuple(row[column.name] for column in key)] = row
        return rows


def _compare(table: str, old: dict[Row, dict], new: dict[Row, dict]) -> list[RowChange]:
    changes = [RowChange(table, "inserted", None, new[key]) for key in new.keys() - old.keys()]
    changes += [RowChange(table, "deleted", old[key], None) for key in old.keys() - new.keys()]
    changes += [RowChange(table, "updated", old[key], new[key]) for key in new.keys() & old.keys()
                if old[key] != new[key]]
    return changes
