"""Connection-level faults, for testing how clients survive a broken gateway.

- ``drop``: the connection closes before any byte of the response;
- ``truncate``: the headers promise the whole body, then the connection closes part-way;
- ``dribble``: the whole body, a few bytes at a time with pauses.

Closing a connection needs the socket, which ASGI does not give the app; ``ocr-mock serve`` runs
uvicorn with a protocol that hands the transport over in the ASGI scope's extensions. Without it (an
in-process ASGI client), a drop or a truncation raises ``ConnectionAbortedError`` into the client.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from mockserver.gateway.upstream import Fault

TRANSPORT = "ocr_mock.transport"


class DroppedConnection(ConnectionAbortedError):
    """The scripted fault closed the connection (in-process, there is no socket to close)."""


class FaultyResponse(Response):
    """Delivers another response spoiled by a fault."""

    def __init__(self, original: Response, fault: Fault) -> None:
        self.fault = fault
        self.status_code = original.status_code
        self.body = bytes(original.body)
        self.raw_headers = list(original.raw_headers)
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport: Any = scope.get("extensions", {}).get(TRANSPORT)
        if self.fault.kind == "drop":
            _close(transport, "dropped before the response")
            return
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        if self.fault.kind == "truncate":
            keep = self.fault.keep_bytes if self.fault.keep_bytes is not None else len(self.body) // 2
            await send({"type": "http.response.body", "body": self.body[: min(keep, len(self.body))],
                         "more_body": True})
            await asyncio.sleep(0.01)  # let the partial body reach the socket before closing it
            _close(transport, "truncated the body")
            return
        step = self.fault.chunk_bytes
        for offset in range(0, len(self.body), step):
            await send({"type": "http.response.body", "body": self.body[offset : offset + step], "more_body": True})
            await asyncio.sleep(self.fault.interval_ms / 1000)
        await send({"type": "http.response.body", "body": b"", "more_body": False})


def _close(transport: Any, what: str) -> None:
    if transport is None:
        raise DroppedConnection(f"ocr-mock fault: {what}")
    transport.abort()
