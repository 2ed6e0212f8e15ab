"""Where the outcome counts of ``/_mock/coverage`` are kept: one counter per (outcome, model, who answered,
script, fixture file). ``MemoryCoverageStore`` serves one process; with several workers or replicas the
counts live in the shared state store (``mockserver.state.sqlite.coverage``), so any worker answers for all.

The hot path is ``add``: one counter increment per outcome of an answered request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import NamedTuple, Protocol


class CoverageKey(NamedTuple):
    outcome: str
    model: str  # a catalog model, or one of the buckets of ``outcomes.model_column``
    answered_by: str  # "script", "default", "builtin", or "gateway" (refused before the provider step)
    script: str  # the script's id; "" when none answered
    source: str  # the fixture file (or "runtime") of the script or default; "" when none


class CoverageStore(Protocol):
    def add(self, keys: Iterable[CoverageKey]) -> None:
        """Count one answered request under each of these keys."""
        ...

    def counts(self) -> dict[CoverageKey, int]: ...

    def clear(self) -> None: ...


class MemoryCoverageStore:
    """The counts of one process. Thread-safe: the pytest plugin's in-process transports answer on the test's
    threads."""

    def __init__(self) -> None:
        self._counts: dict[CoverageKey, int] = {}
        self._lock = threading.Lock()

    def add(self, keys: Iterable[CoverageKey]) -> None:
        counts = self._counts
        with self._lock:
            for key in keys:
                counts[key] = counts.get(key, 0) + 1

    def counts(self) -> dict[CoverageKey, int]:
        with self._lock:
            return dict(self._counts)

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
