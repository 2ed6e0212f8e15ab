"""What the checks found, kept for ``GET /_mock/deviations`` and next to each journal entry.

A deviation is one failed check on one exchange: the target answered differently from what the contract
predicts for that request. The list is bounded like the journal (the oldest are dropped and counted).
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

from mockserver.gateway.isotime import iso_now
from mockserver.proxy.checking import Finding
from mockserver.web.logline import loggable as _loggable  # the caller's text in a log line: escaped, cut


@dataclass(frozen=True)
class Deviation:
    id: int
    time: str
    request_id: int  # the journal entry of the exchange
    method: str
    path: str
    status: int
    model: str | None
    expected: str  # what the contract predicts for the request (the oracle's label)
    finding: Finding

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "time": self.time, "request_id": self.request_id, "method": self.method,
            "path": self.path, "status": self.status, "model": self.model, "expected": self.expected,
            **self.finding.to_json(),
        }

    def log_line(self) -> str:
        """One line: the request, the check and the first problem (the full message is in the listing)."""
        model = _loggable(self.model) if self.model else "-"
        return (f"deviation #{self.id} {self.method} {_loggable(self.path)} -> {self.status} model={model} "
                f"check={self.finding.check}: {_loggable(self.finding.title)} (request #{self.request_id})")


class DeviationLog:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: deque[Deviation] = deque(maxlen=limit)
        self._by_request: dict[int, list[Deviation]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.dropped = 0
        self.total = 0

    def add(self, *, request_id: int, method: str, path: str, status: int, model: str | None, expected: str,
            findings: list[Finding]) -> list[Deviation]:
        now = iso_now()
        added = []
        with self._lock:
            for finding in findings:
                deviation = Deviation(next(self._ids), now, request_id, method, path, status, model, expected, finding)
                if len(self._items) == self.limit:
                    oldest = self._items[0]
                    self._by_request.pop(oldest.request_id, None)
                    self.dropped += 1
                self._items.append(deviation)
                self._by_request.setdefault(request_id, []).append(deviation)
                self.total += 1
                added.append(deviation)
        return added

    def items(self, check: str | None = None) -> list[Deviation]:
        with self._lock:
            return [item for item in self._items if check is None or item.finding.check == check]

    def for_request(self, request_id: int) -> list[Deviation]:
        with self._lock:
            return list(self._by_request.get(request_id, []))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._by_request.clear()
            self.dropped = 0
            self.total = 0
