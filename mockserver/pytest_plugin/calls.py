"""What the gateway received: the journal as a test reads it (``ocr_gateway.calls``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload


@dataclass(frozen=True)
class Call:
    """One request the mock answered (newest last in ``Calls``)."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names; the Authorization value is redacted
    json: Any  # the parsed request body (None when the gateway did not read it)
    status: int
    response: Any  # the JSON body that was sent (None for an empty body)
    model: str | None = None
    script: str | None = None  # the script that answered
    answered_by: str | None = None  # "script", "default", "builtin", or None (answered before the provider)
    nearest: list[dict[str, Any]] = field(default_factory=list)  # unmatched: the nearest scripts and why
    latency_ms: float = 0.0
    time: str = ""
    id: int = 0

    @classmethod
    def from_json(cls, entry: Mapping[str, Any]) -> Call:
        """From a journal entry as ``GET /_mock/requests`` lists it."""
        return cls(
            method=entry["method"], path=entry["path"], headers=dict(entry["headers"]), json=entry["body"],
            status=entry["status"], response=entry.get("response"), model=entry.get("model"),
            script=entry.get("script"), answered_by=entry.get("answered_by"),
            nearest=list(entry.get("nearest") or []), latency_ms=entry.get("latency_ms", 0.0),
            time=entry.get("time", ""), id=entry.get("id", 0),
        )


class Calls(Sequence[Call]):
    """The requests of this test, oldest first: ``len(calls)``, ``calls[0]``, ``calls.last``, ``calls.filter(...)``."""

    def __init__(self, calls: Sequence[Call]) -> None:
        self._calls = list(calls)

    @overload
    def __getitem__(self, index: int) -> Call: ...

    @overload
    def __getitem__(self, index: slice) -> Calls: ...

    def __getitem__(self, index: int | slice) -> Call | Calls:
        if isinstance(index, slice):
            return Calls(self._calls[index])
        return self._calls[index]

    def __len__(self) -> int:
        return len(self._calls)

    def __iter__(self) -> Iterator[Call]:
        return iter(self._calls)

    def __repr__(self) -> str:
        return f"Calls({[f'{c.method} {c.path} {c.status}' for c in self._calls]})"

    @property
    def last(self) -> Call:
        if not self._calls:
            raise LookupError("the OCR gateway mock received no request (that matches the filter)")
        return self._calls[-1]

    def filter(self, *, model: str | None = None, status: int | None = None, path: str | None = None,
               script: str | None = None) -> Calls:
        """The calls with all of the given properties."""
        return Calls([
            call for call in self._calls
            if (model is None or call.model == model) and (status is None or call.status == status)
            and (path is None or call.path == path) and (script is None or call.script == script)
        ])
