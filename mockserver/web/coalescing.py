"""One send per answer: uvicorn's httptools protocol writes a response's head and its body in two
``transport.write`` calls, two system calls for a small answer. The lean path (web/lean.py) marks the head it is
about to send; ``CoalescingTransport`` holds it until the body's write and sends both at once."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn

# The uvicorn releases whose httptools protocol is known to write a response's head in one ``transport.write`` at
# ``http.response.start`` and its body in another (uvicorn/protocols/http/httptools_impl.py): with these the lean
# path's answer leaves in one send. Another release serves the same, in two sends.
COALESCING_UVICORN = ((0, 30), (0, 55))
_HEAD_START, _HEAD_END = b"HTTP/1.", b"\r\n\r\n"


class CoalescingTransport:
    """The connection's transport as uvicorn's protocol sees it. After ``hold_head()`` the next write, if it is a
    response head, waits for the write that follows (the body), and both leave in one send: a small answer then
    costs one system call instead of two. Anything else passes straight through."""

    __slots__ = ("_held", "_holding", "transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._holding = False
        self._held: bytes | None = None

    def hold_head(self) -> None:
        self._holding = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._holding:
            self._holding = False
            if isinstance(data, bytes) and data.startswith(_HEAD_START) and data.endswith(_HEAD_END):
                self._held = data
                return
        held = self._held
        if held is not None:
            self._held = None
            data = held + data
        self.transport.write(data)

    def close(self) -> None:
        """Closing sends what was held first (a head whose body never came: the client sees the head, as it
        would have without holding)."""
        held, self._held, self._holding = self._held, None, False
        if held is not None:
            self.transport.write(held)
        self.transport.close()

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
