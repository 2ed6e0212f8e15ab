"""The outcome counts over the shared database: every worker's answered requests in one set of counters.

Each request is one upsert per outcome (``count = count + 1`` inside SQLite), so concurrent workers never
lose an increment and no worker reads before it writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from mockserver.state.coverage import CoverageKey
from mockserver.state.sqlite.database import SharedDatabase

UPSERT = (
    "INSERT INTO coverage (outcome, model, answered_by, script, source, count) VALUES (?, ?, ?, ?, ?, 1) "
    "ON CONFLICT (outcome, model, answered_by, script, source) DO UPDATE SET count = count + 1"
)


class SqliteCoverageStore:
    def __init__(self, database: SharedDatabase) -> None:
        self._db = database

    def add(self, keys: Iterable[CoverageKey]) -> None:
        with self._db.transaction() as db:
            db.executemany(UPSERT, keys)

    def counts(self) -> dict[CoverageKey, int]:
        with self._db.read() as db:
            rows = db.execute("SELECT outcome, model, answered_by, script, source, count FROM coverage").fetchall()
        return {CoverageKey(*row[:5]): int(row[5]) for row in rows}

    def clear(self) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM coverage")
