"""A worker's view of the shared state: its engine, keyring, journal and outcome counts over one database file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mockserver.scripting.loader import FixtureSet
from mockserver.state.sqlite.coverage import SqliteCoverageStore
from mockserver.state.sqlite.database import SharedDatabase
from mockserver.state.sqlite.journal import SharedJournal
from mockserver.state.sqlite.keys import SharedKeyring
from mockserver.state.sqlite.scripts import SharedScriptEngine

SEEDED = "seeded"


def attach(path: Path, fixtures: FixtureSet, *, closed: bool, journal_limit: int,
           key_records: Sequence[Mapping[str, Any]]
           ) -> tuple[SharedScriptEngine, SharedKeyring, SharedJournal, SqliteCoverageStore]:
    """The shared state at ``path``; the first worker to attach fills it from the files, the others join."""
    database = SharedDatabase(path)
    engine = SharedScriptEngine(fixtures, database)
    keyring = SharedKeyring(database, closed=closed)
    journal = SharedJournal(database, journal_limit)
    coverage = SqliteCoverageStore(database)
    with database.transaction():
        if not database.meta(SEEDED):
            engine.reset()
            keyring.replace(key_records)
            database.set_meta(SEEDED, 1)
    return engine, keyring, journal, coverage
