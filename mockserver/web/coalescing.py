"""Fewer, larger sends, and fewer headers for uvicorn to check.

uvicorn's httptools protocol writes a response's head and its body in two ``transport.write`` calls, two system
calls for a small answer. The lean path (web/lean.py) marks the head it is about to send; ``CoalescingTransport``
holds it until the body's write and sends both at once, with the other writes of the event-loop turn.

uvicorn also checks every header of every answer against two regular expressions (6 µs for the ten headers of an
OCR answer). The lean path hands it only the two headers it reads (Content-Length, Content-Type); the others,
checked by the same rules (``head_lines``, at a fraction of the cost, and the constant ones once), go into the head
as it is written, in the place uvicorn would have written them."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import uvicorn

# The uvicorn releases whose httptools protocol is known to write a response's head in one ``transport.write`` at
# ``http.response.start`` and its body in another (uvicorn/protocols/http/httptools_impl.py): with these the lean
# path's answer leaves in one send. Another release serves the same, in two sends.
COALESCING_UVICORN = ((0, 30), (0, 55))
_HEAD_START = b"HTTP/1."
HEAD_END = b"\r\n\r\n"  # the blank line that ends an HTTP head, a response's or a request's
SEND_AT_ONCE = 64 * 1024  # asyncio's default high-water mark for a transport's write buffer
_LENGTH_LINE = b"\r\ncontent-length: "  # uvicorn writes the given headers after its own (Date), in order

# What uvicorn's httptools protocol refuses (its HEADER_RE and HEADER_VALUE_RE: tests/test_coalescing.py holds these
# to them): a name with a control character or an HTTP separator, a value with a control character but tab
NAME_REFUSED = re.compile(b'[\x00-\x1f\x7f()<>@,;:\\[\\]={} \t\\\\"]')
VALUE_REFUSED = bytes(range(0x00, 0x09)) + bytes(range(0x0A, 0x20)) + b"\x7f"
# the headers uvicorn acts on (the body's framing, keep-alive): they must reach it
ACTED_ON = frozenset({b"content-length", b"transfer-encoding", b"connection"})


class CoalescingTransport:
    """The connection's transport as uvicorn's protocol sees it, sending fewer, larger writes.

    - After ``hold_head()`` the next write, if it is a response head, waits for the write that follows (the body)
      and both go as one: a small answer costs one system call instead of two.
    - Every write of an event-loop turn is sent at the start of the next turn (``flush``), so the answers the
      loop worked out in one turn leave back to back. On loopback the sender's system call also delivers the
      bytes and wakes the receiver; a client that is still awake from the first answer costs far less to wake
      for the next (BENCHMARKS.md measures it). The bytes and their order on each connection are unchanged.

    What waits is sent at once when it reaches ``SEND_AT_ONCE`` bytes and when the connection closes, aborts or
    ends; a write of that size or more goes at once too, after what waited, as it is. So a large answer is not
    copied again, and a long stream still meets the transport's flow control (pausing the writer when the client
    reads slowly) as it is written."""

    __slots__ = ("_held", "_holding", "_lines", "_loop", "_pending", "_pending_size", "transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self._loop = loop
        self._holding = False
        self._lines = b""
        self._held: bytes | None = None
        self._pending: list[bytes] | None = None
        self._pending_size = 0

    def hold_head(self, lines: bytes = b"") -> None:
        """Hold the next write, a response head, for the body's; ``lines`` (from ``head_lines``) go into it where
        uvicorn writes the headers it is given, before its Content-Length line."""
        self._holding = True
        self._lines = lines

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not isinstance(data, bytes):  # the caller may reuse its buffer before the flush
            data = bytes(data)
        if self._holding:
            self._holding = False
            if data.startswith(_HEAD_START):
                lines, self._lines = self._lines, b""
                if lines:
                    data = _with_lines(data, lines)
                if data.endswith(HEAD_END):
                    self._held = data
                    return
        large = len(data) >= SEND_AT_ONCE  # sent after what waits, as it is: joining would copy it
        held = self._held
        if held is not None:
            self._held = None
            if large:
                self._wait(held)
            else:
                data = held + data
        if large:
            self.flush()
            if not self.transport.is_closing():
                self.transport.write(data)
        else:
            self._wait(data)

    def _wait(self, data: bytes) -> None:
        """``data`` waits for the next turn's ``flush``, or goes now with what waits once they reach
        ``SEND_AT_ONCE``."""
        pending = self._pending
        if pending is None:
            self._pending = [data]
            self._pending_size = len(data)
            self._loop.call_soon(self.flush)
        else:
            pending.append(data)
            self._pending_size += len(data)
            if self._pending_size >= SEND_AT_ONCE:
                self.flush()

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
            self._wait(held)
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


def _with_lines(head: bytes, lines: bytes) -> bytes:
    """``head`` (perhaps with a body after it) with ``lines`` before its Content-Length line, or last."""
    end = head.find(HEAD_END)
    if end < 0:
        return head
    at = head.find(_LENGTH_LINE, 0, end + 2)
    at = at + 2 if at >= 0 else end + 2
    return head[:at] + lines + head[at:]


@functools.lru_cache(maxsize=256)
def _line_name(name: str) -> bytes | None:
    try:
        raw = name.lower().encode("latin-1")  # as JsonHeads encodes it; uvicorn's bytes.lower() leaves it so
    except UnicodeEncodeError:
        return None
    return None if NAME_REFUSED.search(raw) or raw in ACTED_ON else raw


def head_lines(headers: Mapping[str, str]) -> bytes | None:
    """The lines uvicorn writes for ``headers``, in order (``name: value`` and CRLF, the name in lower case), for
    ``CoalescingTransport.hold_head``. None when uvicorn must see one of them: it would refuse it (and answer 500)
    or act on it (``ACTED_ON``), or it is not Latin-1 (encoding it fails as it would on uvicorn's path)."""
    parts: list[bytes] = []
    for name, value in headers.items():
        raw_name = _line_name(name)
        if raw_name is None:
            return None
        try:
            raw_value = value.encode("latin-1")
        except UnicodeEncodeError:
            return None
        if len(raw_value.translate(None, VALUE_REFUSED)) != len(raw_value):
            return None
        parts += (raw_name, b": ", raw_value, b"\r\n")
    return b"".join(parts)


def coalescing_supported(version: str = uvicorn.__version__) -> bool:
    try:
        major, minor = (int(part) for part in version.split(".")[:2])
    except ValueError:
        return False
    low, high = COALESCING_UVICORN
    return low <= (major, minor) <= high
