"""The journal over the shared database: every worker's requests in one list, each exactly once.

The base ``Journal`` still builds each entry (redaction, digests of large bodies); the entry is then
stored as a row whose id is the database's, so ids are unique and increasing across workers. The
limit is kept by deleting the oldest rows in the same transaction, and counted as dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import fields, replace
from typing import Any

import orjson

from mockserver.state.journal import Entry, Journal
from mockserver.state.sqlite.database import SharedDatabase

DROPPED = "journal_dropped"


class SharedJournal(Journal):
    def __init__(self, database: SharedDatabase, limit: int = 10_000) -> None:
        self._db = database
        super().__init__(limit)
        self._entries = deque(maxlen=1)  # the base class only builds entries here; the rows are the journal

    @property
    def dropped(self) -> int:
        with self._db.read():
            return self._db.meta(DROPPED)

    @dropped.setter
    def dropped(self, value: int) -> None:
        """The base class's own count is ignored: the database keeps the shared one."""

    def record(self, **details: Any) -> Entry:
        entry = super().record(**details)
        stored = {f.name: getattr(entry, f.name) for f in fields(entry) if f.name not in ("id", "details")}
        stored["details"] = entry.details.decode()
        with self._db.transaction() as db:
            cursor = db.execute("INSERT INTO journal (model, status, entry) VALUES (?, ?, ?)",
                                (entry.model, entry.status, orjson.dumps(stored)))
            entry_id = int(cursor.lastrowid or 0)
            trimmed = db.execute("DELETE FROM journal WHERE id <= ?", (entry_id - self.limit,)).rowcount
            if trimmed > 0:
                self._db.set_meta(DROPPED, self._db.meta(DROPPED) + trimmed)
        return replace(entry, id=entry_id)

    def entries(self, model: str | None = None, status: int | None = None) -> list[Entry]:
        with self._db.read() as db:
            rows = db.execute(
                "SELECT id, entry FROM journal WHERE (?1 IS NULL OR model = ?1) AND (?2 IS NULL OR status = ?2) "
                "ORDER BY id", (model, status),
            ).fetchall()
        entries = []
        for entry_id, blob in rows:
            stored = orjson.loads(blob)
            stored["details"] = stored["details"].encode()
            entries.append(Entry(id=entry_id, **stored))
        return entries

    def clear(self) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM journal")
            self._db.set_meta(DROPPED, 0)
