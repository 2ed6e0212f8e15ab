"""A request head larger than 128 KiB gets ``431 Request Header Fields Too Large`` and the connection is closed,
however the bytes arrive: in one read with the body (the parser would otherwise read, answer and forget the whole
request inside one call), or over many reads. A large body after a small head is not a large head."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState

from mockserver.web.serving import MAX_HEAD_BYTES, TOO_LARGE, TransportExposingProtocol
from tests.helpers import Wire


async def _ok(scope: dict[str, Any], receive: Any, send: Any) -> None:
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


def _request(header_bytes: int, body_bytes: int) -> bytes:
    return (b"POST /v1/ocr HTTP/1.1\r\nhost: mock\r\nx-big: " + b"a" * header_bytes +
            b"\r\ncontent-length: %d\r\n\r\n" % body_bytes + b"b" * body_bytes)


def _served(request: bytes, read_size: int) -> Wire:
    """What the mock's protocol writes for ``request`` arriving in reads of ``read_size`` bytes."""
    async def run() -> Wire:
        config = uvicorn.Config(_ok, http=TransportExposingProtocol, lifespan="off", log_config=None,
                                access_log=False)
        config.load()
        protocol = TransportExposingProtocol(config, ServerState(), {}, asyncio.get_running_loop())
        wire = Wire()
        protocol.connection_made(wire)  # type: ignore[arg-type]
        for start in range(0, len(request), read_size):
            if wire.closed:
                break
            protocol.data_received(request[start:start + read_size])
            await asyncio.sleep(0)
        for _ in range(5):  # the app's task, then the write's turn
            await asyncio.sleep(0.01)
        return wire

    return asyncio.run(run())


def assert_answered(wire: Wire) -> None:
    """The app's answer, whole: 200, its two bytes, and no 431."""
    sent = b"".join(wire.writes)
    assert sent.startswith(b"HTTP/1.1 200 OK\r\n") and sent.endswith(b"\r\ncontent-length: 2\r\n\r\nok"), sent[:200]


@pytest.mark.parametrize("read_size", [1 << 20, 65536, 4096], ids=["one read", "64 KiB reads", "4 KiB reads"])
def test_a_head_over_the_limit_gets_431_and_the_connection_closes(read_size: int) -> None:
    wire = _served(_request(200 * 1024, 40), read_size)

    assert b"".join(wire.writes) == TOO_LARGE
    assert wire.ended == ["close"]


@pytest.mark.parametrize("read_size", [1 << 20, 65536], ids=["one read", "64 KiB reads"])
def test_a_large_body_after_a_small_head_is_answered(read_size: int) -> None:
    wire = _served(_request(100 * 1024, 300 * 1024), read_size)

    assert_answered(wire)
    assert not wire.closed


def test_the_blank_line_that_ends_the_head_may_straddle_two_reads() -> None:
    request = _request(MAX_HEAD_BYTES - 1024, 200 * 1024)
    blank_line = request.index(b"\r\n\r\n")

    wire = _served(request, blank_line + 2)  # the first read ends between the blank line's two CRLFs

    assert_answered(wire)

