"""``POST /v1/ocr`` served straight from ASGI: the mock's hot path.

The gateway's behaviour is the pipeline's (``Gateway.ocr``), whichever HTTP path carries it. This path only
spends less on the carrying: no middleware stack, no ``Request`` or ``Response`` objects, the headers read once
into a dict, the body read from ``receive`` under the same limits, one ``send`` for the head and one for the body
(one socket write, with ``CoalescingTransport``), the log line written without logging's record machinery and
with the other lines of its event-loop turn (``RequestLog``), and the journal entry of a small JSON
body kept as the bytes on the wire, redacted, parsed and encoded when the journal is read. The rare cases
(forms, connection faults, a store that is down, a client gone mid-body) build the same Starlette objects as the
plain path. ``create_app(lean=False)`` serves the plain Starlette route (web/app.py) instead: it is the reference
tests/test_lean_equivalence.py holds this path to, byte for byte.
"""

from __future__ import annotations

import marshal
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Message, Receive, Scope, Send

from mockserver.gateway.exchange import Exchange
from mockserver.gateway.headers import FetchHeaders
from mockserver.gateway.parsing import form_kind, parse_json
from mockserver.gateway.reading import BodyLimit, ClientDisconnect, content_length
from mockserver.gateway.upstream import Nearest
from mockserver.mock import Mock
from mockserver.state.journal import LARGE_STRING, Details, encode_details
from mockserver.state.stores import StoreUnavailable
from mockserver.web.coalescing import CoalescingTransport
from mockserver.web.faults import TRANSPORT, FaultyResponse
from mockserver.web.http import CLIENT_CLOSED, JsonHeads, json_response, store_down_response, timing_headers
from mockserver.web.logline import RequestLog
from mockserver.web.request_body import read_body, whole_body

OCR_PATH = "/v1/ocr"
METHOD = "POST"
SENT = "ocr_mock.sent"  # in the scope once the answer's head is sent


def serves(scope: Scope) -> bool:
    """Whether this path answers the request: ``POST /v1/ocr`` named plainly (a percent-escape in the path goes
    the plain way, where ``ExactPaths`` decides what it names)."""
    return (scope["type"] == "http" and scope["path"] == OCR_PATH and scope["method"] == METHOD
            and b"%" not in (scope.get("raw_path") or b""))


class LeanOcr:
    def __init__(self, mock: Mock, limits: BodyLimit, forms: Mapping[str, Any], cors: Mapping[str, str]) -> None:
        self.mock = mock
        self.limits = limits
        self.forms = forms
        self.cors = cors
        self.heads = JsonHeads(cors)
        self.log = RequestLog()

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Coroutine[Any, Any, None]:
        return self._answer(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._serve(scope, receive, send)
        except Exception:  # as Starlette's ServerErrorMiddleware: a plain 500 when nothing was sent, then raise
            if not scope.get(SENT):
                await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        raw_headers = scope["headers"]
        headers = FetchHeaders.from_asgi(raw_headers)
        kept: list[bytes] = []  # the JSON body as received, when small enough to journal from its bytes
        body_size = content_length(headers.get("content-length"))

        async def read() -> Any:
            content_type = headers.get("content-type")
            if form_kind(content_type) is not None:
                return await read_body(Request(scope, receive), self.limits, self.forms)
            limit = self.limits.for_type(content_type)
            raw = await whole_body(receive, body_size, limit)
            if len(raw) <= LARGE_STRING:
                small = bytes(raw)
                kept.append(small)
                return parse_json(small)
            return parse_json(raw)

        try:
            answer = await self.mock.gateway.ocr(headers, read)
        except ClientDisconnect:  # gone mid-body: nobody to answer; 499 as nginx notes it
            elapsed = (time.perf_counter() - started) * 1000
            down = self._finish(scope, CLIENT_CLOSED, elapsed, Exchange(), None, None, body_size)
            await (down or Response(status_code=CLIENT_CLOSED))(scope, receive, send)
            return
        exchange = answer.exchange
        extra = {**answer.headers, **timing_headers(exchange.server_timing())}
        encoded = orjson.dumps(answer.body)
        raw_body = kept[0] if kept and exchange.body_read else None
        down = self._finish(scope, answer.status, answer.elapsed_ms, exchange, encoded, raw_body, body_size,
                            answer.body)
        if down is not None:
            await down(scope, receive, send)
        elif exchange.fault is not None:
            response = json_response(answer.status, answer.body, extra, cors=self.cors)
            await FaultyResponse(response, exchange.fault)(scope, receive, _noting_sent(scope, send))
        else:
            scope[SENT] = True
            transport = scope["extensions"].get(TRANSPORT) if "extensions" in scope else None
            coalescing = transport if isinstance(transport, CoalescingTransport) else None
            split = self.heads.split(encoded, extra) if coalescing is not None else None
            # uvicorn checks two headers and the transport writes the others into the head, or uvicorn gets them all
            lines, for_uvicorn = split if split is not None else (b"", self.heads.raw(encoded, extra))
            if coalescing is not None:  # the head waits for the body: one send
                coalescing.hold_head(lines)
            await send({"type": "http.response.start", "status": answer.status, "headers": for_uvicorn})
            await send({"type": "http.response.body", "body": encoded})

    def _finish(self, scope: Scope, status: int, elapsed_ms: float, exchange: Exchange, encoded: bytes | None,
                raw_body: bytes | None, body_size: int | None, response: Any = None) -> Response | None:
        """The log line, the journal entry and the outcome count; when the store is down, the 503 to answer."""
        model = exchange.model
        self.log(METHOD, OCR_PATH, status, elapsed_ms, model)
        details: Details | WireDetails
        if exchange.body_read and raw_body is None:  # a form, or a large body: journaled from the parsed body
            details = encode_details(_decoded(scope["headers"]), exchange.body, exchange.nearest.found(), response,
                                     body_size)
        else:
            details = WireDetails(scope["headers"], raw_body, encoded, body_size, exchange.nearest)
        try:
            self.mock.journal.record_later(
                method=METHOD, path=OCR_PATH, status=status, latency_ms=elapsed_ms, model=model,
                script=exchange.script_id, answered_by=exchange.answered_by, details=details)
            if encoded is not None:
                self.mock.coverage.count(exchange)
        except StoreUnavailable as exc:
            return store_down_response(METHOD, OCR_PATH, exc)
        return None


def _noting_sent(scope: Scope, send: Send) -> Send:
    """``send``, marking the scope once something is sent (a fault may raise after the head went out)."""

    async def noting(message: Message) -> None:
        scope[SENT] = True
        await send(message)

    return noting


def _decoded(raw_headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw_headers]


# the resolver, the scripts' context (by id), the call counts and facts it was given, the raw body, the raw headers
NearestKey = tuple[Callable[..., Any], int, bytes, bytes | None, tuple[tuple[bytes, bytes], ...]]


class RecentNearest:
    """The nearest scripts of the last distinct requests the journal was read for. Requests with the same body and
    headers, matched against the same scripts with the same calls counted, have the same nearest scripts: a journal
    of a load run, or of a suite that sends the same page, works them out once per kind of request, not per entry
    (matching every script again per entry made most of a full journal's first read)."""

    KEPT = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: dict[NearestKey, tuple[Any, list[dict[str, Any]]]] = {}

    def get(self, key: NearestKey, context: Any) -> list[dict[str, Any]] | None:
        kept = self._found.get(key)
        # the scripts are compared by identity: the context is kept alive with its result, so its id is not reused
        return kept[1] if kept is not None and kept[0] is context else None

    def put(self, key: NearestKey, context: Any, found: list[dict[str, Any]]) -> None:
        with self._lock:  # the journal may be read from the server's thread and a test's at once
            if len(self._found) >= self.KEPT:
                del self._found[next(iter(self._found))]
            self._found[key] = (context, found)


class WireDetails:
    """A journal entry's details kept as what crossed the wire, encoded only when the entry is first read: the
    same document the plain path encodes at once. It holds bytes and shared objects only (the header list, the
    body and the answer in one ``marshal`` string; the nearest scripts in their compact form), so a full journal
    is not ten thousand trees of objects for the garbage collector to walk (they showed as p99 stalls)."""

    __slots__ = ("_context", "_data", "_resolve", "_wire")

    def __init__(self, raw_headers: list[tuple[bytes, bytes]], raw_body: bytes | None, encoded: bytes | None,
                 body_size: int | None, nearest: Nearest) -> None:
        compact = nearest.compact()
        resolved = None if compact is not None else orjson.dumps(nearest.found())
        # one compact copy: keeping the body's and the answer's own bytes objects instead was measured at 40 MB
        # more for a full journal (their allocations are larger than their contents)
        self._wire = marshal.dumps((list(raw_headers), raw_body, encoded, body_size, resolved))
        self._resolve: Callable[[Any, bytes, Any, Mapping[str, str]], list[dict[str, Any]]] | None = None
        self._context: Any = None
        self._data = b""
        if compact is not None:
            self._resolve, self._context, self._data = compact

    def __call__(self) -> Details:
        raw_headers, raw_body, encoded, body_size, resolved = marshal.loads(self._wire)
        body = parse_json(raw_body) if raw_body is not None else None
        headers = _decoded(raw_headers)
        if self._resolve is not None:
            key = (self._resolve, id(self._context), self._data, raw_body, tuple(raw_headers))
            nearest = _RECENT_NEAREST.get(key, self._context)
            if nearest is None:
                nearest = self._resolve(self._context, self._data, body, FetchHeaders(headers))
                _RECENT_NEAREST.put(key, self._context, nearest)
        else:
            nearest = orjson.loads(resolved)
        response = orjson.loads(encoded) if encoded is not None else None
        return encode_details(headers, body, nearest, response, body_size)


_RECENT_NEAREST = RecentNearest()
