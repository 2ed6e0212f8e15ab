"""Scripts and their call counts in the shared SQLite file.

The list has a version (in ``meta``), bumped on every change to it, so a process re-reads the list only
when it moved; the counts are read on every call. A claim is one conditional ``UPDATE ... RETURNING``
inside ``BEGIN IMMEDIATE``: two processes can never count the same call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import orjson

from mockserver.state.sqlite.database import SharedDatabase
from mockserver.state.stores import ScriptsView, StoredScript

VERSION = "scripts_version"
LAST_ID = "script_ids"  # the last generated script-N, so two processes never hand out the same id


class SqliteScripts:
    def __init__(self, database: SharedDatabase) -> None:
        self._db = database

    def view(self, known_version: int) -> ScriptsView:
        with self._db.read() as db:
            version = self._db.meta(VERSION)
            scripts = None
            if version != known_version:
                rows = db.execute("SELECT id, source, spec FROM scripts ORDER BY position").fetchall()
                scripts = [StoredScript(i, source, orjson.loads(spec) if spec else None) for i, source, spec in rows]
            calls = dict(db.execute("SELECT id, calls FROM scripts").fetchall())
        return ScriptsView(version, scripts, calls)

    def replace(self, scripts: Sequence[StoredScript], calls: Mapping[str, int] | None = None) -> None:
        with self._db.transaction() as db:
            db.execute("DELETE FROM scripts")
            db.executemany(
                "INSERT INTO scripts (id, source, spec, calls) VALUES (?, ?, ?, ?)",
                [(s.id, s.source, _spec(s), (calls or {}).get(s.id, 0)) for s in scripts],
            )
            self._bump()

    def new_id(self) -> int:
        with self._db.transaction():
            number = self._db.meta(LAST_ID) + 1
            self._db.set_meta(LAST_ID, number)
            return number

    def add(self, script: StoredScript) -> bool:
        with self._db.transaction() as db:
            added = db.execute(
                "INSERT INTO scripts (id, source, spec) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING",
                (script.id, script.source, _spec(script)),
            ).rowcount
            if added:
                self._bump()
            return bool(added)

    def remove(self, script_id: str) -> bool:
        with self._db.transaction() as db:
            removed = db.execute("DELETE FROM scripts WHERE id = ?", (script_id,)).rowcount
            if removed:
                self._bump()
            return bool(removed)

    def clear(self) -> None:
        self.replace([])

    def claim(self, script_id: str, limit: int | None) -> int | None:
        with self._db.transaction() as db:
            row = db.execute(
                "UPDATE scripts SET calls = calls + 1 WHERE id = ?1 AND (?2 IS NULL OR calls < ?2) RETURNING calls",
                (script_id, limit),
            ).fetchone()
        return int(row[0]) - 1 if row else None

    def _bump(self) -> None:
        self._db.set_meta(VERSION, self._db.meta(VERSION) + 1)


def _spec(script: StoredScript) -> bytes | None:
    return orjson.dumps(script.spec) if script.spec is not None else None
