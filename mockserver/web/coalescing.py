"""One send per answer: uvicorn's httptools protocol writes a response's head and its body in two
``transport.write`` calls, two system calls for a small answer. The lean path (web/lean.py) marks the head it is
about to send; ``CoalescingTransport`` holds it until the body's write and sends both at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import uvicorn

# The uvicorn releases whose httptools protocol is known to write a response's head in one ``transport.write`` at
# ``http.response.start`` and its body in another (uvicorn/protocols/http/httptools_impl.py): with these the lean
# path's answer leaves in one send. Another release serves the same, in two sends.
COALESCING_UVICORN = ((0, 30), (0, 55))
_HEAD_START, _HEAD_END = b"HTTP/1.", b"\r\n\r\n"


class CoalescingTransport:
    """The connection's transport as uvicorn's protocol sees it, sending fewer, larger writes.

    - After ``hold_head()`` the next write, if it is a response head, waits for the write that follows (the body)
      and both go as one: a small answer costs one system call instead of two.
    - Every write of an event-loop turn is sent at the start of the next turn (``flush``), so the answers the
      loop worked out in one turn leave back to back. On loopback the sender's system call also delivers the
      bytes and wakes the receiver; a client that is still awake from the first answer costs far less to wake
      for the next (BENCHMARKS.md measures it). The bytes and their order on each connection are unchanged.

    Closing, aborting or ending the connection sends what is waiting first."""

    __slots__ = ("_held", "_holding", "_loop", "_pending", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._holding = False
        self._held: bytes | None = None
        self._pending: list[bytes] | None = None

    def hold_head(self) -> None:
        self._holding = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not isinstance(data, bytes):  # the caller may reuse its buffer before the flush
            data = bytes(data)
        if self._holding:
            self._holding = False
            if data.startswith(_HEAD_START) and data.endswith(_HEAD_END):
                self._held = data
                return
        held = self._held
        if held is not None:
            self._held = None
            data = held + data
        pending = self._pending
        if pending is None:
            self._pending = [data]
            self._loop.call_soon(self.flush)
        else:
            pending.append(data)

    def writelines(self, chunks: Iterable[bytes | bytearray | memoryview]) -> None:
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        """Send what this turn wrote, in one write; nothing when the connection is already closing (the client
        left: uvicorn writes nothing more either)."""
        pending, self._pending = self._pending, None
        if pending is not None and not self.transport.is_closing():
            self.transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def _send_all(self) -> None:
        held, self._held, self._holding = self._held, None, False
        if held is not None:  # a head whose body never came: the client sees the head, as it would unheld
            if self._pending is None:
                self._pending = [held]
            else:
                self._pending.append(held)
        self.flush()

    def close(self) -> None:
        self._send_all()
        self.transport.close()

    def abort(self) -> None:
        """What was written before the abort was on its way; it still leaves, then the connection is reset."""
        self._send_all()
        self.transport.abort()

    def write_eof(self) -> None:
        self._send_all()
        self.transport.write_eof()

    def is_closing(self) -> bool:
        return self.transport.is_closing()

    def pause_reading(self) -> None:
        self.transport.pause_reading()

    def resume_reading(self) -> None:
        self.transport.resume_reading()

    def __getattr__(self, name: str) -> Any:  # the rest of the transport's interface, unchanged
        return getattr(self.transport, name)


def coalescing_supported(version: str = uvicorn.__version__) -> bool:
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    low, high = COALESCING_UVICORN
    return low <= (major, minor) <= high
