"""The script engine over the shared database: every worker answers from the same scripts and counts.

Each worker keeps the parsed scripts (the base ``ScriptEngine`` does all matching and consuming); the
database holds which scripts exist (file scripts by id, runtime scripts with their definition), a
version bumped on every change to that list, and each script's call count. Every call runs inside one
``BEGIN IMMEDIATE`` transaction: pull the counts (and the list, when its version moved), let the base
class pick and consume, write the consumed script's count back. So concurrent workers serve each
scripted answer exactly once.
"""

from __future__ import annotations

import itertools
from typing import Any

import orjson

from mockserver.gateway.upstream import OcrCall
from mockserver.scripting.engine import ScriptEngine, Selection, _fresh
from mockserver.scripting.loader import FixtureSet, build_script
from mockserver.scripting.scripts import Script
from mockserver.state.sqlite.database import SharedDatabase

VERSION = "scripts_version"
LAST_ID = "script_ids"  # the last generated script-N, so two workers never hand out the same id


class SharedScriptEngine(ScriptEngine):
    def __init__(self, fixtures: FixtureSet, database: SharedDatabase) -> None:
        self._db = database
        self._version = -1
        self._attached = False
        super().__init__(fixtures)  # builds the local list only; ``attach`` seeds the database once
        self._attached = True

    # -- changes: apply locally on the current shared list, then publish it ------------------------

    def reset(self) -> None:
        if not self._attached:
            super().reset()
            return
        with self._db.transaction():
            super().reset()
            self._publish()

    def load(self, fixtures: FixtureSet) -> None:
        with self._db.transaction():
            self._sync()
            super().load(fixtures)
            self._publish()

    def add(self, spec: dict[str, Any]) -> Script:
        with self._db.transaction():
            self._sync()
            self._ids = itertools.count(self._db.meta(LAST_ID) + 1)
            script = super().add(spec)
            self._db.set_meta(LAST_ID, next(self._ids) - 1)
            self._publish()
            return script

    def remove(self, script_id: str) -> bool:
        with self._db.transaction():
            self._sync()
            removed = super().remove(script_id)
            if removed:
                self._publish()
            return removed

    def clear(self) -> None:
        with self._db.transaction():
            super().clear()
            self._publish()

    def scripts(self) -> list[Script]:
        with self._db.transaction():
            self._sync()
            return super().scripts()

    def select(self, call: OcrCall) -> Selection:
        # Most calls in a load test match no script: find that out without the write lock, so those calls
        # neither wait for other workers nor commit. A call that a script matches takes the lock and
        # picks again from the counts as they are then.
        with self._db.read():
            self._sync()
            selection = super().select(call)
        if selection.script is None:
            return selection
        with self._db.transaction() as db:
            self._sync()
            selection = super().select(call)
            if selection.script is not None:
                db.execute("UPDATE scripts SET calls = ? WHERE id = ?", (selection.script.calls, selection.script.id))
            return selection

    # -- the database side ---------------------------------------------------------------------------

    def _publish(self) -> None:
        """The local list becomes the shared one (inside the caller's transaction)."""
        db = self._db
        scripts = super().scripts()
        connection = db.connection
        connection.execute("DELETE FROM scripts")
        connection.executemany(
            "INSERT INTO scripts (id, source, spec, calls) VALUES (?, ?, ?, ?)",
            [(s.id, s.source, orjson.dumps(s.spec) if s.source == "runtime" else None, s.calls) for s in scripts],
        )
        self._version = db.meta(VERSION) + 1
        db.set_meta(VERSION, self._version)

    def _sync(self) -> None:
        """Pull the shared list (when it changed) and every script's call count."""
        connection = self._db.connection
        version = self._db.meta(VERSION)
        if version != self._version:
            rows = connection.execute("SELECT id, source, spec FROM scripts ORDER BY position").fetchall()
            files = {script.id: script for script in self._files.scripts}
            scripts = [self._rebuild(script_id, source, spec, files) for script_id, source, spec in rows]
            with self._lock:
                self._scripts = [script for script in scripts if script is not None]
            self._version = version
        calls = dict(connection.execute("SELECT id, calls FROM scripts").fetchall())
        with self._lock:
            for script in self._scripts:
                script.calls = calls.get(script.id, script.calls)

    @staticmethod
    def _rebuild(script_id: str, source: str, spec: bytes | None, files: dict[str, Script]) -> Script | None:
        if spec is None:
            file_script = files.get(script_id)
            return _fresh(file_script) if file_script is not None else None
        script, _ = build_script(orjson.loads(spec), script_id=script_id, source=source, entry="script", base=None)
        return script

