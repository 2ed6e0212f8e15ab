"""One send per answer on the lean path: the head uvicorn writes is held for the body's write; anything else
passes straight through, and nothing held is lost when the connection closes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockserver.web.coalescing import CoalescingTransport, coalescing_supported
from tests.helpers import KEY, TINY_PNG_B64
from tests.server import serve

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n"


class Wire:
    """A transport that records each write: one entry per system call the real one would make."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default


def coalescing() -> tuple[CoalescingTransport, Wire]:
    wire = Wire()
    return CoalescingTransport(wire), wire  # type: ignore[arg-type]


def test_a_held_head_leaves_with_the_body_in_one_write() -> None:
    transport, wire = coalescing()
    transport.hold_head()
    transport.write(HEAD)
    assert wire.writes == []
    transport.write(b"{}")
    assert wire.writes == [HEAD + b"{}"]
    transport.write(b"next")  # holding was for one head only
    assert wire.writes[-1] == b"next"


def test_without_hold_every_write_goes_out_at_once() -> None:
    transport, wire = coalescing()
    transport.write(HEAD)
    transport.write(b"{}")
    assert wire.writes == [HEAD, b"{}"]


def test_a_write_that_is_not_a_head_is_never_held() -> None:
    """Should uvicorn one day write head and body together, holding it would hang the answer: it goes out."""
    transport, wire = coalescing()
    transport.hold_head()
    transport.write(HEAD + b"{}")
    assert wire.writes == [HEAD + b"{}"]
    transport.write(b"more")
    assert wire.writes[-1] == b"more"


def test_closing_sends_a_held_head_first() -> None:
    transport, wire = coalescing()
    transport.hold_head()
    transport.write(HEAD)
    transport.close()
    assert wire.writes == [HEAD] and wire.closed


def test_the_rest_of_the_transport_is_the_real_one() -> None:
    transport, _ = coalescing()
    assert transport.get_extra_info("peername") == ("127.0.0.1", 1)
    assert not transport.is_closing()


@pytest.mark.parametrize(("version", "supported"), [
    ("0.54.0", True), ("0.30.1", True), ("0.55.2", True), ("0.29.0", False), ("0.56.0", False), ("1.0.0", False),
    ("0.x", False),
])
def test_only_uvicorn_releases_known_to_write_head_and_body_apart_coalesce(version: str, supported: bool) -> None:
    assert coalescing_supported(version) is supported


def test_served_answers_arrive_whole_one_after_another_on_one_connection() -> None:
    """``ocr-mock serve`` (coalescing on this uvicorn): keep-alive requests, each answer complete."""
    with serve() as server, httpx.Client(base_url=server.url) as http:
        for _ in range(3):
            response = http.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": TINY_PNG_B64},
                                 headers={"Authorization": f"Bearer {KEY}"})
            assert response.status_code == 200 and response.json()["object"] == "ocr"
            assert int(response.headers["content-length"]) == len(response.content)
        assert server.stop() == 0
