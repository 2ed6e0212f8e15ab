"""The SQLite file the workers of ``ocr-mock serve --workers N`` share.

Why SQLite: the workers are processes on one machine, and what they must agree on (which scripted
answer is next, what a key has spent, the journal) needs atomic read-modify-write across processes.
SQLite gives exactly that from the standard library: ``BEGIN IMMEDIATE`` takes the database's write
lock, so a transaction that reads a script's call count and writes it back cannot interleave with
another worker's; WAL mode lets readers go on while one worker writes; ``busy_timeout`` makes a worker
wait for the lock instead of failing. Nothing here is a home-made lock or protocol.

The design is narrow on purpose: each worker keeps its parsed scripts, key accounts' logic and the
journal's entry building (the in-memory classes), and the database holds only what must be shared:
script definitions and call counts, key accounts with their usage, journal rows and outcome counts. The single-worker
default never opens a database and keeps its in-memory speed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS scripts (
    position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    spec BLOB, calls INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS keys (position INTEGER PRIMARY KEY AUTOINCREMENT, kid TEXT NOT NULL UNIQUE,
    account BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS journal (id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT, status INTEGER,
    entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS coverage (outcome TEXT NOT NULL, model TEXT NOT NULL, answered_by TEXT NOT NULL,
    script TEXT NOT NULL, source TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (outcome, model, answered_by, script, source)) WITHOUT ROWID;
"""


class SharedDatabase:
    """One connection to the state file, for one worker process (its threads share it, one at a time)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # autocommit mode: transactions are only the explicit BEGIN IMMEDIATE ... COMMIT below.
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._depth = 0
        self._connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._connection.execute("PRAGMA journal_mode = WAL")
        # No fsync at all: the file is emptied at every start, so durability buys nothing, and the fsyncs of
        # WAL checkpoints tripled the cost of a journal row (90 instead of 275 µs here).
        self._connection.execute("PRAGMA synchronous = OFF")
        with self.transaction():
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    self._connection.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``: other workers wait); nested calls join the outer one."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self._connection
                finally:
                    self._depth -= 1
                return
            self._connection.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._connection
            except BaseException:
                self._depth = 0
                self._connection.execute("ROLLBACK")
                raise
            self._depth = 0
            self._connection.execute("COMMIT")

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """For one read statement: no write lock (WAL readers never wait); joins a transaction if in one."""
        with self._lock:
            yield self._connection

    @property
    def connection(self) -> sqlite3.Connection:
        """For statements inside ``transaction()``."""
        return self._connection

    def meta(self, name: str) -> int:
        row = self._connection.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def set_meta(self, name: str, value: int) -> None:
        self._connection.execute(
            "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def wipe(self) -> None:
        """Empty every table: the workers that attach next start from the files."""
        with self.transaction() as db:
            for table in ("meta", "scripts", "keys", "journal", "coverage", "sqlite_sequence"):
                db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        self._connection.close()
