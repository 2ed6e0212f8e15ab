"""The journal: every request the mock answered, newest last, bounded so a load test cannot exhaust
memory (the oldest entries are dropped and counted)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import orjson

from mockserver.gateway.ids import sha256_of_text
from mockserver.gateway.isotime import iso_now

if TYPE_CHECKING:
    from mockserver.state.stores import JournalStore

REDACTED = "[redacted]"
SECRET_HEADERS = frozenset({"authorization", "x-mock-admin-token"})
LARGE_STRING = 64 * 1024  # longer strings (images, huge headers) are kept as a digest, not their bytes
DEEPEST = 32  # arrays and objects nested deeper are kept as a note: the journal must encode as JSON


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """The headers as journaled: names lower-cased, secrets redacted, huge values digested; of a repeated
    header, the last value (a mapping, or the (name, value) pairs as received)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return {
        name.lower(): (REDACTED if name.lower() in SECRET_HEADERS else digest_large(value))
        for name, value in pairs
    }


def digest_large(value: Any, depth: int = DEEPEST) -> Any:
    """``value`` with every very long string replaced by its size and SHA-256, and every array or
    object nested more than ``depth`` levels down by a note saying so."""
    if isinstance(value, str) and len(value) > LARGE_STRING:
        return f"<{len(value)} characters, sha256 {sha256_of_text(value)}>"
    if isinstance(value, dict | list) and depth <= 0:
        return f"<nested deeper than {DEEPEST} levels>"
    if isinstance(value, dict):
        return {key: digest_large(item, depth - 1) for key, item in value.items()}
    if isinstance(value, list):
        return [digest_large(item, depth - 1) for item in value]
    return value


DETAIL_NAMES = ("headers", "body", "nearest", "response")
_KEYS = tuple(f'{"{" if i == 0 else ","}"{name}":'.encode() for i, name in enumerate(DETAIL_NAMES))


class Details:
    """An entry's details: one JSON document, ``{"headers", "body", "nearest", "response"}``, and where each value
    ends in it. The journal is listed by splicing the values into each entry's JSON, not by parsing the document
    and encoding it again (that made half a million objects of a full journal). A document read back from a shared
    store has no offsets: it is parsed when its values are asked for."""

    __slots__ = ("_ends", "document")

    def __init__(self, document: bytes, ends: tuple[int, int, int, int] | None = None) -> None:
        self.document = document
        self._ends = ends

    @classmethod
    def joined(cls, values: tuple[Any, Any, Any, Any]) -> Details:
        """The document of these values: the bytes ``orjson.dumps`` gives for the dict of them. Each value is
        encoded inside a one-item array, so as deep as it sits in the dict (orjson refuses past 254 levels)."""
        pieces: list[bytes] = []
        ends: list[int] = []
        end = 0
        for key, value in zip(_KEYS, values, strict=True):
            encoded = orjson.dumps([value], option=orjson.OPT_NON_STR_KEYS)[1:-1]
            pieces += (key, encoded)
            end += len(key) + len(encoded)
            ends.append(end)
        pieces.append(b"}")
        return cls(b"".join(pieces), (ends[0], ends[1], ends[2], ends[3]))

    def values(self) -> tuple[bytes, bytes, bytes, bytes]:
        """Each value's JSON."""
        if self._ends is None:
            parsed = orjson.loads(self.document)
            headers, body, nearest, response = (orjson.dumps(parsed[name], option=orjson.OPT_NON_STR_KEYS)
                                                for name in DETAIL_NAMES)
            return headers, body, nearest, response
        document, ends = self.document, self._ends
        starts = [end + len(key) for end, key in zip((0, *ends), _KEYS, strict=False)]
        return (document[starts[0]:ends[0]], document[starts[1]:ends[1]], document[starts[2]:ends[2]],
                document[starts[3]:ends[3]])


@dataclass(slots=True)
class Entry:
    """One journaled request. Its headers, body, nearest scripts and response are kept as one JSON
    document (``details``): a full journal then holds ten thousand byte strings rather than ten
    thousand trees of dicts for the garbage collector to walk on every collection (that walk showed
    as p99 spikes of 60 ms under load)."""

    id: int
    time: str
    method: str
    path: str
    status: int
    latency_ms: float
    model: str | None
    script: str | None
    # the details (the document's bytes, from a shared store); or, in a store that keeps entries in this process,
    # the function that encodes them, called when the entry is first read (``Journal.record_later``)
    details: Details | bytes | Callable[[], Details]
    answered_by: str | None = None  # "script", "default", "builtin"; None: answered before the provider step

    def encoded_details(self) -> Details:
        details = self.details
        if not isinstance(details, Details):
            details = Details(details) if isinstance(details, bytes) else details()
            self.details = details
        return details

    def _detail(self, name: str) -> Any:
        return orjson.loads(self.encoded_details().document)[name]

    @property
    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = self._detail("headers")
        return headers

    @property
    def body(self) -> Any:
        return self._detail("body")

    @property
    def nearest(self) -> list[dict[str, Any]]:
        nearest: list[dict[str, Any]] = self._detail("nearest")
        return nearest

    @property
    def response(self) -> Any:
        return self._detail("response")

    def dumps(self) -> bytes:
        """The entry without its id, as the shared stores keep it."""
        stored = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("id", "details")}
        stored["details"] = self.encoded_details().document.decode()
        return orjson.dumps(stored)

    @classmethod
    def loads(cls, entry_id: int, blob: bytes) -> Entry:
        stored = orjson.loads(blob)
        stored["details"] = Details(stored["details"].encode())
        return cls(id=entry_id, **stored)

    def listed(self) -> bytes:
        """The entry as ``GET /_mock/requests`` lists it (JSON)."""
        headers, body, nearest, response = self.encoded_details().values()
        return orjson.dumps({
            "id": self.id, "time": self.time, "method": self.method, "path": self.path,
            "headers": orjson.Fragment(headers), "body": orjson.Fragment(body), "status": self.status,
            "latency_ms": round(self.latency_ms, 3), "model": self.model, "script": self.script,
            "nearest": orjson.Fragment(nearest), "response": orjson.Fragment(response), "answered_by": self.answered_by,
        })

    def to_json(self) -> dict[str, Any]:
        listed: dict[str, Any] = orjson.loads(self.listed())
        return listed


def encode_details(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], body: Any, nearest: list[dict[str, Any]], response: Any,
    body_size: int | None,
) -> Details:
    """An entry's details, from the request's headers as received (redacted here)."""
    return _details(redact_headers(headers), body, nearest, response, body_size)


def _details(
    headers: dict[str, str], body: Any, nearest: list[dict[str, Any]], response: Any, body_size: int | None
) -> Details:
    """An entry's details. Most requests are small: encoded as they are, no string in them can be over
    ``LARGE_STRING``, so the walk that digests large strings and cuts deep nesting (orjson refuses past 254
    levels) is only done when the plain encoding is large or refused. A body of unknown or large size goes
    straight to the walk (encoding a large image first would copy it)."""
    if body_size is not None and body_size <= LARGE_STRING:
        try:
            plain = Details.joined((headers, body, nearest, response))
            if len(plain.document) <= LARGE_STRING:
                return plain
        except orjson.JSONEncodeError:
            pass
    return Details.joined((headers, digest_large(body), digest_large(nearest), response))


class Journal:
    """Builds each entry (redaction, digests of large bodies) and keeps it in its store."""

    def __init__(self, store: JournalStore) -> None:
        self.store = store

    @property
    def limit(self) -> int:
        return self.store.limit

    @property
    def dropped(self) -> int:
        return self.store.dropped()

    def record(self, *, method: str, path: str, headers: Mapping[str, str], body: Any, status: int,
               latency_ms: float, model: str | None, script: str | None, nearest: list[dict[str, Any]],
               response: Any, answered_by: str | None = None, body_size: int | None = None) -> Entry:
        """``body_size``: the raw body's length, when known (it lets a small entry skip a walk)."""
        return self.record_later(method=method, path=path, status=status, latency_ms=latency_ms, model=model,
                                 script=script, answered_by=answered_by,
                                 details=encode_details(headers, body, nearest, response, body_size))

    def record_later(self, *, method: str, path: str, status: int, latency_ms: float, model: str | None,
                     script: str | None, answered_by: str | None, details: Details | Callable[[], Details]) -> Entry:
        """An entry whose details are encoded by ``details()`` (see ``encode_details``): when the entry is first
        read in a store that keeps entries in this process (``lazy``), at once in the others."""
        if not isinstance(details, Details) and not self.store.lazy:
            details = details()
        entry = Entry(
            id=0, time=iso_now(), method=method, path=path, status=status, latency_ms=latency_ms, model=model,
            script=script, details=details, answered_by=answered_by,
        )
        return self.store.append(entry)

    def entries(self, model: str | None = None, status: int | None = None) -> list[Entry]:
        return self.store.entries(model, status)

    def count(self) -> int:
        return self.store.count()

    def clear(self) -> None:
        self.store.clear()
