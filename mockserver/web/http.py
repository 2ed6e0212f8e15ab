"""Response headers and encoding, shared by every route.

CORS headers are added only under ``/v1`` (routes/v1/index.ts L24-46): ``GET /`` and a 404 outside
``/v1`` carry none. Only the OCR pipeline's answers carry ``Cache-Control: no-store`` and
Server-Timing (after/http.ts L12-15; core/error-handler.ts L653-656). The CORS headers are the
release's (``Release.cors_headers``); ``CORS_HEADERS`` are the base release's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import orjson
from starlette.responses import Response

from mockserver.gateway.behaviour import behaviour
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.pipeline import store_error
from mockserver.state.stores import StoreUnavailable
from mockserver.web.coalescing import head_lines
from mockserver.web.logline import LOGGER_NAME, loggable

CORS_HEADERS: dict[str, str] = dict(behaviour()["cors_headers"])
NOT_FOUND_BODY = b"404 Not Found"
NOT_FOUND_TYPE = "text/plain; charset=UTF-8"
RawHeaders = list[tuple[bytes, bytes]]  # an ASGI header list
CLIENT_CLOSED = 499  # the journal's status for a request whose client left before sending its body


def under_v1(path: str) -> bool:
    """Hono's ``/v1/*`` also matches ``/v1`` itself."""
    return path == "/v1" or path.startswith("/v1/")


def answer_headers(cors: Mapping[str, str]) -> dict[str, str]:
    """The headers every OCR pipeline answer carries: the release's CORS headers and ``Cache-Control: no-store``."""
    return {**cors, "Cache-Control": "no-store"}


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None, *, cors: Mapping[str, str] = CORS_HEADERS
) -> Response:
    """An OCR pipeline answer: JSON, CORS, ``Cache-Control: no-store``, and ``headers``."""
    base = answer_headers(cors)
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers={**base, **headers} if headers else base,
        media_type="application/json",
    )


class JsonHeads:
    """The header lists ``json_response`` sends, as ASGI bytes, for the HTTP path that builds no ``Response``: the
    same headers in the same order (Starlette's: the given ones, then Content-Length, then Content-Type). Built
    once per CORS header set, so the headers every answer carries are encoded once."""

    def __init__(self, cors: Mapping[str, str] = CORS_HEADERS) -> None:
        self.base = answer_headers(cors)
        self._raw_base = _encoded(self.base)
        self._base_names = frozenset(name for name, _ in self._raw_base)
        self._base_lines = head_lines(self.base)

    def raw(self, body: bytes, headers: Mapping[str, str] | None = None) -> RawHeaders:
        if headers and not self.base.keys().isdisjoint(headers):  # a given header replaces a base one in its place
            raw = _encoded({**self.base, **headers})
            names: AbstractSet[bytes] = {name for name, _ in raw}
        else:
            given = _encoded(headers) if headers else []
            raw = [*self._raw_base, *given]
            names = self._base_names.union([name for name, _ in given]) if given else self._base_names
        length, content_type = _length_and_type(body)
        if b"content-length" not in names:
            raw.append(length)
        if b"content-type" not in names:
            raw.append(content_type)
        return raw

    def split(self, body: bytes, headers: Mapping[str, str] | None = None) -> tuple[bytes, RawHeaders] | None:
        """``raw``'s head in two parts, for ``CoalescingTransport.hold_head``: the lines of all its headers but the
        last two, and those two (Content-Length, Content-Type) for uvicorn. None for the rarer heads (a given header
        that replaces a base one or names Content-Type) and for headers uvicorn must check or act on itself."""
        lines = self._base_lines
        if lines is None:
            return None
        if headers:
            if not self.base.keys().isdisjoint(headers) or any(name.lower() == "content-type" for name in headers):
                return None
            given = head_lines(headers)
            if given is None:
                return None
            lines += given
        return lines, list(_length_and_type(body))


def _length_and_type(body: bytes) -> tuple[tuple[bytes, bytes], tuple[bytes, bytes]]:
    """The two headers Starlette adds last to a JSON answer that does not name them."""
    return (b"content-length", str(len(body)).encode("latin-1")), (b"content-type", b"application/json")


def _encoded(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


def welcome_response(body: Any) -> Response:
    """``GET /``: JSON with two-space indentation (lib/safe-json.ts L49-51), no CORS, no Cache-Control."""
    return Response(orjson.dumps(body, option=orjson.OPT_INDENT_2), status_code=200, media_type="application/json")


def not_found(path: str, cors: Mapping[str, str] = CORS_HEADERS) -> Response:
    headers = {**cors, "Content-Type": NOT_FOUND_TYPE} if under_v1(path) else {"Content-Type": NOT_FOUND_TYPE}
    return Response(NOT_FOUND_BODY, status_code=404, headers=headers)


def preflight(cors: Mapping[str, str] = CORS_HEADERS) -> Response:
    return Response(status_code=204, headers=dict(cors))


def timing_headers(server_timing: str) -> dict[str, str]:
    """Server-Timing, and Timing-Allow-Origin only with a non-empty Server-Timing."""
    return {"Server-Timing": server_timing, "Timing-Allow-Origin": "*"} if server_timing else {}


def store_down_response(method: str, path: str, exc: StoreUnavailable) -> Response:
    """The store failed after the gateway answered (the journal write): the caller gets the 503, never an
    answer that was not journaled."""
    logging.getLogger(LOGGER_NAME).warning("%s %s 503 %s", method, loggable(path), exc)
    error = store_error(exc)
    return json_response(error.status, error.envelope(new_generation_id()), error.headers())
