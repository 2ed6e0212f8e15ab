"""The state a mock keeps between requests, behind one interface per kind (in the manner of WireMock's
``Stores``): scripts and their call counts, key accounts and their usage, the journal, the outcome counts
(``coverage.CoverageStore``).

The pipeline, the script engine, the keyring and the admin service see only these Protocols. Three
implementations exist: ``memory`` (one process, the default), ``sqlite`` (one file shared by the processes
of one machine) and ``redis`` (replicas on many machines). Every operation that must be atomic across
replicas is one operation here (``claim``, ``charge``, ``append``), so each store makes it atomic its own
way: a lock, a ``BEGIN IMMEDIATE`` transaction, a Lua script.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.state.coverage import CoverageStore
from mockserver.state.journal import Entry
from mockserver.state.keys import KeyAccount


class StoreUnavailable(Exception):
    """The state store cannot be reached or refused the operation; ``/v1/ocr`` answers 503 meanwhile."""

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"the mock's state store ({store}) is unavailable: {reason}")
        self.store = store
        self.reason = reason


@dataclass(frozen=True)
class StoredScript:
    """A script as the store keeps it: file scripts by id (each replica rebuilds them from its own fixture
    files), runtime scripts with their definition."""

    id: str
    source: str
    spec: dict[str, Any] | None = None  # None: a script of the fixture files

    @property
    def runtime(self) -> bool:
        return self.spec is not None


@dataclass(frozen=True)
class ScriptsView:
    """The scripts as the store has them now. ``scripts`` is None when the list has not changed since
    ``known_version`` (the caller's cached copy is still right); ``calls`` is always current."""

    version: int
    scripts: list[StoredScript] | None
    calls: dict[str, int]


class ScriptStore(Protocol):
    def view(self, known_version: int) -> ScriptsView: ...

    def replace(self, scripts: Sequence[StoredScript], calls: Mapping[str, int] | None = None) -> None:
        """The list becomes ``scripts``; each count is ``calls[id]`` or zero."""
        ...

    def new_id(self) -> int:
        """A number no other caller got (for ``script-N`` ids)."""
        ...

    def add(self, script: StoredScript) -> bool:
        """Append ``script`` with no calls; False when its id is taken."""
        ...

    def remove(self, script_id: str) -> bool: ...

    def clear(self) -> None: ...

    def claim(self, script_id: str, limit: int | None) -> int | None:
        """Count one call of the script and return how many it had before (its position), unless it has
        ``limit`` calls already or is gone (None). Atomic: two callers never get the same position."""
        ...


class KeyStore(Protocol):
    def get(self, kid: str) -> KeyAccount | None: ...

    def all(self) -> list[KeyAccount]: ...

    def put(self, accounts: Sequence[KeyAccount]) -> None:
        """Add or replace these accounts (their usage starts again); others stay."""
        ...

    def replace(self, accounts: Sequence[KeyAccount]) -> None: ...

    def charge(self, kid: str, nanos: int, periods: Mapping[str, str]) -> None:
        """One more request in each window's current period and ``nanos`` spent, atomically; nothing for
        an account that is not there."""
        ...


class JournalStore(Protocol):
    limit: int
    lazy: bool  # entries stay in this process, so their details may be encoded when first read

    def append(self, entry: Entry) -> Entry:
        """Store the entry (its ``id`` is ignored; its details are bytes unless ``lazy``); drop the oldest
        beyond ``limit`` (counted), and return it with its id: unique and increasing across every process
        sharing the store. The entry is handed over: a store may number it in place."""
        ...

    def entries(self, model: str | None = None, status: int | None = None) -> list[Entry]:
        """Oldest first."""
        ...

    def count(self) -> int: ...

    def dropped(self) -> int: ...

    def clear(self) -> None: ...


class Connection(Protocol):
    """What is not per kind of state: reachability, the first-attach mark, emptying, closing."""

    @property
    def description(self) -> str:
        """Names the store in messages: ``memory``, ``sqlite:///tmp/x``, ``redis://h:6379/0 namespace ns``."""
        ...

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` when the store cannot be reached."""
        ...

    def first_attach(self) -> bool:
        """True for the first process to attach since the store was emptied (it fills it from the files)."""
        ...

    def on_rejoin(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` before the first operation after the store was unreachable (a store that may
        have come back empty: the callback fills it if ``first_attach`` says so)."""
        ...

    def wipe(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class State:
    connection: Connection
    scripts: ScriptStore
    keys: KeyStore
    journal: JournalStore
    coverage: CoverageStore
