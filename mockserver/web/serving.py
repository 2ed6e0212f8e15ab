"""Running the app under uvicorn with what the mock needs from the server: the transport in the ASGI
scope (for connection faults) and a bound on the request head.

uvicorn's httptools protocol sets no limit on the request line and headers: a client could send
megabytes of headers and every byte would be held (and journaled). Past ``MAX_HEAD_BYTES`` the mock
answers ``431 Request Header Fields Too Large`` (plain text, as a front server does before any
application runs) and closes the connection.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver.web.coalescing import HEAD_END, CoalescingTransport, coalescing_supported
from mockserver.web.faults import TRANSPORT

MAX_HEAD_BYTES = 128 * 1024  # request line + headers: far above what any HTTP client sends
_TOO_LARGE_BODY = b"Request header fields too large"
TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TOO_LARGE_BODY), _TOO_LARGE_BODY)
)


_COALESCING = coalescing_supported()


class TransportExposingProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, adding the connection's transport to each request's scope and
    refusing a request head larger than ``MAX_HEAD_BYTES``; on a known uvicorn release the transport coalesces
    a response's head and body (``CoalescingTransport``)."""

    _head_bytes = 0
    _in_head = True
    _head_tail = b""  # the last bytes of the head so far: its blank line may straddle two reads

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if _COALESCING:
            transport = CoalescingTransport(transport, asyncio.get_running_loop())  # type: ignore[assignment]
        super().connection_made(transport)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        scope: Any = self.scope
        scope["extensions"] = {TRANSPORT: self.transport}

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes, self._head_tail = True, 0, b""

    def data_received(self, data: bytes) -> None:
        if self._in_head and self._head_too_large(data):
            if not self.transport.is_closing():
                self.logger.warning("Request head larger than %d bytes: 431.", MAX_HEAD_BYTES)
                self.transport.write(TOO_LARGE)
                self.transport.close()
            return
        super().data_received(data)

    def _head_too_large(self, data: bytes) -> bool:
        """Counts the bytes of ``data`` up to the end of the request head, before the parser sees them: a request
        that arrives in one read is parsed, answered and done with inside one ``data_received``. (A request pipelined
        behind another in the same read is counted from its next read on.)"""
        seen = self._head_tail + data if self._head_tail else data
        end = seen.find(HEAD_END)  # httptools refuses a head ended by bare line feeds
        if end < 0:
            self._head_bytes += len(data)
            self._head_tail = seen[-3:]
        else:  # the blank line takes at least one byte of ``data``: the tail is shorter than it
            self._head_bytes += end + len(HEAD_END) - len(self._head_tail)
        return self._head_bytes > MAX_HEAD_BYTES


def settle_heap() -> None:
    """Move what start-up built (modules, the spec, the catalog, the scripts) out of the garbage collector's
    sight (``gc.freeze``): it lives as long as the process, and each full collection would walk it again, a
    pause for every request in flight."""
    gc.collect()
    gc.freeze()
