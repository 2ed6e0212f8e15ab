"""The journal in the shared SQLite file: every process's requests in one table, each exactly once; the
row id is the entry's id, so ids are unique and increasing across processes. The limit is kept by
deleting the oldest rows in the same transaction, and counted as dropped."""

from __future__ import annotations

from dataclasses import replace

from mockserver.state.journal import Entry
from mockserver.state.sqlite.database import SharedDatabase

DROPPED = "journal_dropped"


class SqliteJournal:
    lazy = False  # entries are written as JSON at once, for the other processes

    def __init__(self, database: SharedDatabase, limit: int) -> None:
        self._db = database
        self.limit = limit

    def append(self, entry: Entry) -> Entry:
        with self._db.transaction() as db:
            cursor = db.execute("INSERT INTO journal (model, status, entry) VALUES (?, ?, ?)",
                                (entry.model, entry.status, entry.dumps()))
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
        return [Entry.loads(entry_id, blob) for entry_id, blob in rows]

    def count(self) -> int:
        with self._db.read() as db:
            return int(db.execute("SELECT COUNT(*) FROM journal").fetchone()[0])

    def dropped(self) -> int:
        with self._db.read():
            return self._db.meta(DROPPED)

    def clear(self) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM journal")
            self._db.set_meta(DROPPED, 0)
