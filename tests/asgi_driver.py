"""Drive the mock's ASGI app with a raw request: any method, raw path bytes, raw header bytes, a body in
chunks that may stop early. What an HTTP client library would refuse to send, this sends.

Used by the hostile corpus (in-process cases) and by the fuzz target (``reliability/fuzz_target.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp

TIMEOUT_S = 10.0


@dataclass(frozen=True)
class RawRequest:
    method: str = "POST"
    path: bytes = b"/v1/ocr"  # as on the request line, with its query string
    headers: Sequence[tuple[bytes, bytes]] = ()
    chunks: Sequence[bytes] = ()  # the body, as it arrives
    disconnect: bool = False  # the client leaves after the last chunk, before ending the body


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    complete: bool  # the app ended the body (more_body false)
    header_list: list[tuple[bytes, bytes]] = field(default_factory=list)

    def json(self) -> Any:
        import orjson

        return orjson.loads(self.body)


def _scope(request: RawRequest) -> dict[str, Any]:
    raw_path, _, query = request.path.partition(b"?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": [(name.lower(), value) for name, value in request.headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
        "state": {},
        "extensions": {},
    }


async def call_async(app: ASGIApp, request: RawRequest) -> RawResponse:
    """One request through ``app``; raises whatever the app raises (a crash)."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": True} for chunk in request.chunks
    ]
    if request.disconnect:
        messages.append({"type": "http.disconnect"})
    else:
        messages.append({"type": "http.request", "body": b"", "more_body": False})
    pending = iter(messages)
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        message = next(pending, None)
        if message is not None:
            return message
        await finished.wait()  # as a server does: disconnect only once the response is sent
        return {"type": "http.disconnect"}

    start: dict[str, Any] = {}
    body = bytearray()
    complete = False

    async def send(message: dict[str, Any]) -> None:
        nonlocal complete
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                complete = True
                finished.set()

    await app(_scope(request), receive, send)  # type: ignore[arg-type]
    header_list = list(start.get("headers", []))
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in header_list}
    return RawResponse(start.get("status", 0), headers, bytes(body), complete, header_list)


def call(app: ASGIApp, request: RawRequest, timeout: float = TIMEOUT_S) -> RawResponse:
    """``call_async`` on a fresh event loop, failing (TimeoutError) if the app takes over ``timeout``."""
    return asyncio.run(asyncio.wait_for(call_async(app, request), timeout))
