"""State in one SQLite file, shared by the processes of one machine (``--workers N``, ``sqlite:///path``)."""

from __future__ import annotations

from pathlib import Path

from mockserver.state.sqlite.coverage import SqliteCoverageStore
from mockserver.state.sqlite.database import SharedDatabase
from mockserver.state.sqlite.journal import SqliteJournal
from mockserver.state.sqlite.keys import SqliteKeys
from mockserver.state.sqlite.scripts import SqliteScripts
from mockserver.state.stores import State


def open_sqlite(path: Path, journal_limit: int) -> State:
    database = SharedDatabase(path)
    return State(database, SqliteScripts(database), SqliteKeys(database), SqliteJournal(database, journal_limit),
                 SqliteCoverageStore(database))
