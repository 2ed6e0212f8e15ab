"""The default stores: in this process's memory, each behind one lock (the pytest plugin changes state
from the test's thread while the server's thread answers)."""

from __future__ import annotations

import copy
import itertools
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from mockserver.state.coverage import MemoryCoverageStore
from mockserver.state.journal import Entry
from mockserver.state.keys import KeyAccount
from mockserver.state.stores import ScriptsView, State, StoredScript


class MemoryScripts:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._scripts: list[StoredScript] = []
        self._calls: dict[str, int] = {}
        self._ids = itertools.count(1)

    def view(self, known_version: int) -> ScriptsView:
        with self._lock:
            scripts = None if known_version == self._version else list(self._scripts)
            return ScriptsView(self._version, scripts, dict(self._calls))

    def replace(self, scripts: Sequence[StoredScript], calls: Mapping[str, int] | None = None) -> None:
        with self._lock:
            self._scripts = list(scripts)
            self._calls = {script.id: (calls or {}).get(script.id, 0) for script in scripts}
            self._version += 1

    def new_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def add(self, script: StoredScript) -> bool:
        with self._lock:
            if script.id in self._calls:
                return False
            self._scripts.append(script)
            self._calls[script.id] = 0
            self._version += 1
            return True

    def remove(self, script_id: str) -> bool:
        with self._lock:
            if self._calls.pop(script_id, None) is None:
                return False
            self._scripts = [script for script in self._scripts if script.id != script_id]
            self._version += 1
            return True

    def clear(self) -> None:
        self.replace([])

    def claim(self, script_id: str, limit: int | None) -> int | None:
        with self._lock:
            calls = self._calls.get(script_id)
            if calls is None or (limit is not None and calls >= limit):
                return None
            self._calls[script_id] = calls + 1
            return calls


class MemoryKeys:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, KeyAccount] = {}

    def get(self, kid: str) -> KeyAccount | None:
        return self._accounts.get(kid)  # a dict read is atomic; checks read an account that charge() mutates

    def all(self) -> list[KeyAccount]:
        with self._lock:
            return [copy.deepcopy(account) for account in self._accounts.values()]

    def put(self, accounts: Sequence[KeyAccount]) -> None:
        with self._lock:
            for account in accounts:
                self._accounts[account.kid] = account

    def replace(self, accounts: Sequence[KeyAccount]) -> None:
        with self._lock:
            self._accounts = {account.kid: account for account in accounts}

    def charge(self, kid: str, nanos: int, periods: Mapping[str, str]) -> None:
        with self._lock:
            account = self._accounts.get(kid)
            if account is not None:
                account.charge(nanos, periods)


class MemoryJournal:
    lazy = True  # entries stay in this process: their details are encoded when first read

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self._dropped = 0

    def append(self, entry: Entry) -> Entry:
        with self._lock:
            entry.id = next(self._ids)  # the entry is handed over: numbered in place
            if len(self._entries) == self.limit:
                self._dropped += 1
            self._entries.append(entry)
            return entry

    def entries(self, model: str | None = None, status: int | None = None) -> list[Entry]:
        with self._lock:
            return [
                entry for entry in self._entries
                if (model is None or entry.model == model) and (status is None or entry.status == status)
            ]

    def count(self) -> int:
        return len(self._entries)

    def dropped(self) -> int:
        return self._dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._dropped = 0


class MemoryConnection:
    description = "memory"

    def __init__(self) -> None:
        self._attached = False

    def ping(self) -> None:
        pass

    def first_attach(self) -> bool:
        first, self._attached = not self._attached, True
        return first

    def on_rejoin(self, callback: Callable[[], None]) -> None:
        """Memory is never unreachable."""

    def wipe(self) -> None:
        self._attached = False

    def close(self) -> None:
        pass


def open_memory(journal_limit: int) -> State:
    return State(MemoryConnection(), MemoryScripts(), MemoryKeys(), MemoryJournal(journal_limit),
                 MemoryCoverageStore())
