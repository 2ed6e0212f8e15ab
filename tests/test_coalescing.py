"""Fewer sends: on the lean path the head uvicorn writes is held for the body's write; what an event-loop turn
writes leaves at the start of the next turn, in one send per connection; nothing written is lost or reordered
when the connection closes, aborts or ends."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Callable

import httpx
import pytest
from uvicorn.protocols.http import httptools_impl

from mockserver.web import coalescing as coalescing_module
from mockserver.web.coalescing import SEND_AT_ONCE, CoalescingTransport, coalescing_supported, head_lines
from mockserver.web.http import JsonHeads
from tests.helpers import KEY, TINY_PNG_B64, Wire
from tests.server import serve

HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n"


class Turns:
    """The event loop as the transport uses it: ``call_soon`` callbacks run when the test ends the turn."""

    def __init__(self) -> None:
        self.soon: list[Callable[[], None]] = []

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.soon.append(callback)

    def next_turn(self) -> None:
        callbacks, self.soon = self.soon, []
        for callback in callbacks:
            callback()


def coalescing() -> tuple[CoalescingTransport, Wire, Turns]:
    wire, turns = Wire(), Turns()
    return CoalescingTransport(wire, turns), wire, turns  # type: ignore[arg-type]


def test_a_held_head_leaves_with_the_body_in_one_write_at_the_next_turn() -> None:
    transport, wire, turns = coalescing()
    transport.hold_head()
    transport.write(HEAD)
    transport.write(b"{}")
    assert wire.writes == []
    turns.next_turn()
    assert wire.writes == [HEAD + b"{}"]
    transport.write(b"next")  # holding was for one head only
    turns.next_turn()
    assert wire.writes[-1] == b"next"


def test_what_one_turn_writes_leaves_in_one_send_in_order() -> None:
    transport, wire, turns = coalescing()
    transport.write(HEAD)
    transport.write(bytearray(b"{"))
    transport.writelines([b"}", memoryview(b"!")])
    assert len(turns.soon) == 1  # one flush per turn, however many writes
    turns.next_turn()
    assert wire.writes == [HEAD + b"{}!"]


def test_a_buffer_the_caller_changes_after_writing_is_sent_as_it_was_written() -> None:
    transport, wire, turns = coalescing()
    buffer = bytearray(b"abc")
    transport.write(buffer)
    buffer[:] = b"xyz"
    turns.next_turn()
    assert wire.writes == [b"abc"]


def test_each_turn_sends_its_own_writes() -> None:
    transport, wire, turns = coalescing()
    transport.write(b"one")
    turns.next_turn()
    transport.write(b"two")
    turns.next_turn()
    assert wire.writes == [b"one", b"two"]


def test_a_write_that_is_not_a_head_is_never_held() -> None:
    """Should uvicorn one day write head and body together, holding it would hang the answer: it goes out."""
    transport, wire, turns = coalescing()
    transport.hold_head()
    transport.write(HEAD + b"{}")
    turns.next_turn()
    assert wire.writes == [HEAD + b"{}"]
    transport.write(b"more")
    turns.next_turn()
    assert wire.writes[-1] == b"more"


@pytest.mark.parametrize("end", ["close", "abort", "write_eof"])
def test_ending_the_connection_sends_everything_written_first(end: str) -> None:
    transport, wire, turns = coalescing()
    transport.write(b"earlier")
    transport.hold_head()
    transport.write(HEAD)  # a head whose body never came: the client sees it, as it would unheld
    getattr(transport, end)()
    assert wire.writes == [b"earlier" + HEAD]
    assert wire.ended == [{"write_eof": "eof"}.get(end, end)]
    turns.next_turn()  # the flush the first write scheduled finds nothing left
    assert wire.writes == [b"earlier" + HEAD]


def test_nothing_is_sent_once_the_client_has_left() -> None:
    transport, wire, turns = coalescing()
    transport.write(b"answer")
    wire.closed = True  # the peer closed the connection before the turn ended
    turns.next_turn()
    assert wire.writes == []


def test_the_rest_of_the_transport_is_the_real_one() -> None:
    transport, _, _ = coalescing()
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


def test_pipelined_requests_get_their_answers_whole_and_in_order() -> None:
    """Two requests in one send: their answers leave in later turns, on the same connection, in order."""
    def request(model: str) -> bytes:
        body = json.dumps({"model": model, "image": TINY_PNG_B64}).encode()
        return (b"POST /v1/ocr HTTP/1.1\r\nhost: mock\r\ncontent-type: application/json\r\n"
                b"authorization: Bearer " + KEY.encode() + b"\r\ncontent-length: %d\r\n\r\n" % len(body) + body)

    with serve() as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as connection:
            connection.sendall(request("mistral/ocr-3") + request("not/a-model") + b"GET /healthz HTTP/1.1\r\n"
                               b"host: mock\r\nconnection: close\r\n\r\n")
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
        assert server.stop() == 0
    statuses = [int(status) for status in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]
    assert statuses == [200, 400, 404]  # the last names no route
    first_body = received.split(b"\r\n\r\n", 1)[1]
    assert json.loads(first_body[: first_body.index(b"HTTP/1.1 ")])["object"] == "ocr"


def test_concurrent_connections_each_get_their_own_answer() -> None:
    """Answers of one turn leave together, each on its own connection."""
    async def main(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, limits=httpx.Limits(max_connections=16)) as http:
            return await asyncio.gather(*(
                http.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": TINY_PNG_B64,
                                           "language": f"l{number}"}, headers={"Authorization": f"Bearer {KEY}"})
                for number in range(48)))

    with serve() as server:
        responses = asyncio.run(main(server.url))
        assert server.stop() == 0
    for number, response in enumerate(responses):
        assert response.status_code == 200
        assert int(response.headers["content-length"]) == len(response.content)
        assert f"l{number}".encode() in response.request.content


UVICORN_HEAD = b"HTTP/1.1 200 OK\r\ndate: Mon, 30 Nov 2026 20:00:00 GMT\r\ncontent-length: 2\r\n" \
               b"content-type: application/json\r\n\r\n"


def test_header_lines_go_into_the_held_head_before_its_content_length() -> None:
    """Where uvicorn writes the headers it is given: after its own Date, before Content-Length (given first)."""
    transport, wire, turns = coalescing()
    transport.hold_head(b"cache-control: no-store\r\nx-a: 1\r\n")
    transport.write(UVICORN_HEAD)
    transport.write(b"{}")
    turns.next_turn()
    assert wire.writes == [b"HTTP/1.1 200 OK\r\ndate: Mon, 30 Nov 2026 20:00:00 GMT\r\ncache-control: no-store\r\n"
                           b"x-a: 1\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}"]
    transport.hold_head()  # the next answer gets no lines
    transport.write(UVICORN_HEAD)
    transport.write(b"{}")
    turns.next_turn()
    assert wire.writes[-1] == UVICORN_HEAD + b"{}"


@pytest.mark.parametrize(("head", "expected"), [
    (b"HTTP/1.1 204 No Content\r\ndate: D\r\n\r\n", b"HTTP/1.1 204 No Content\r\ndate: D\r\nx-a: 1\r\n\r\n"),
    (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}",  # a head and its body in one write
     b"HTTP/1.1 200 OK\r\nx-a: 1\r\ncontent-length: 2\r\n\r\n{}"),
    (b"HTTP/1.1 200 OK\r\ndate: D\r\n\r\ncontent-length: 9\r\n",  # only the head's own lines count
     b"HTTP/1.1 200 OK\r\ndate: D\r\nx-a: 1\r\n\r\ncontent-length: 9\r\n"),
])
def test_header_lines_without_a_content_length_line_go_last(head: bytes, expected: bytes) -> None:
    transport, wire, turns = coalescing()
    transport.hold_head(b"x-a: 1\r\n")
    transport.write(head)
    if head.endswith(b"\r\n\r\n"):
        transport.write(b"")
    turns.next_turn()
    assert wire.writes == [expected]


def test_the_header_rules_are_uvicorns() -> None:
    """``head_lines`` refuses exactly what uvicorn's httptools protocol refuses (it would answer 500)."""
    assert coalescing_module.NAME_REFUSED.pattern == httptools_impl.HEADER_RE.pattern
    for byte in range(256):
        value = bytes([byte])
        uvicorn_refuses = httptools_impl.HEADER_VALUE_RE.search(value) is not None
        assert (value.translate(None, coalescing_module.VALUE_REFUSED) == b"") is uvicorn_refuses, byte


@pytest.mark.parametrize(("headers", "lines"), [
    ({}, b""),
    ({"Server-Timing": "a;dur=0.1, b", "X-Tab": "a\tb", "X-Latin": "caf\u00e9"},
     b"server-timing: a;dur=0.1, b\r\nx-tab: a\tb\r\nx-latin: caf\xe9\r\n"),
    ({"X-Bad": "a\nb"}, None),  # uvicorn refuses these: it must see them, to answer as it does
    ({"X-Bad": "a\x7f"}, None),
    ({"X Bad": "a"}, None),
    ({"X-Bad:": "a"}, None),
    ({"X-Wide": "\u2014"}, None),  # not Latin-1: encoding fails on uvicorn's path too
    ({"Content-Length": "3"}, None),  # uvicorn acts on these
    ({"Connection": "close"}, None),
    ({"transfer-encoding": "chunked"}, None),
])
def test_header_lines_as_uvicorn_writes_them(headers: dict[str, str], lines: bytes | None) -> None:
    assert head_lines(headers) == lines


def test_a_split_head_is_the_whole_head_in_two_parts() -> None:
    heads = JsonHeads({"Access-Control-Allow-Origin": "*"})
    given = {"Server-Timing": "a;dur=1", "X-Gateway-Error-Origin": "upstream"}
    split = heads.split(b"{}", given)
    assert split is not None
    lines, for_uvicorn = split
    assert [tuple(line.split(b": ", 1)) for line in lines.split(b"\r\n")[:-1]] + for_uvicorn == heads.raw(b"{}", given)
    assert for_uvicorn == [(b"content-length", b"2"), (b"content-type", b"application/json")]


@pytest.mark.parametrize("given", [
    {"Cache-Control": "max-age=1"},  # replaces the base header in its place
    {"Content-Type": "text/plain"},  # then uvicorn's two headers would not be the last two
    {"X-Bad": "a\rb"},
])
def test_the_rarer_heads_go_whole_to_uvicorn(given: dict[str, str]) -> None:
    assert JsonHeads({"Access-Control-Allow-Origin": "*"}).split(b"{}", given) is None


def test_a_large_write_is_sent_at_once_with_what_waited_before_it() -> None:
    """A large write (a full journal's listing) goes out as it is, after what waited before it: not held, not
    copied. Many small writes in one turn (a stream that never yields) go out as they reach the same size, so the
    transport's flow control still sees them."""
    transport, wire, turns = coalescing()
    transport.write(b"small")
    assert wire.writes == []
    large = b"x" * SEND_AT_ONCE
    transport.write(large)
    assert wire.writes == [b"small", large] and wire.writes[1] is large  # not copied
    for _ in range(SEND_AT_ONCE // 1024):
        transport.write(b"y" * 1024)
    assert wire.writes[2:] == [b"y" * SEND_AT_ONCE]
    transport.write(b"tail")
    turns.next_turn()
    assert wire.writes[3:] == [b"tail"]


def test_a_held_head_goes_before_a_large_body_which_is_not_copied() -> None:
    transport, wire, turns = coalescing()
    transport.hold_head(b"x-a: 1\r\n")
    transport.write(UVICORN_HEAD)
    body = b"{" + b" " * SEND_AT_ONCE + b"}"
    transport.write(body)
    head = wire.writes[0]
    assert head.startswith(b"HTTP/1.1 200 OK\r\ndate: ") and b"\r\nx-a: 1\r\ncontent-length: " in head
    assert wire.writes[1] is body and len(wire.writes) == 2
    turns.next_turn()
    assert len(wire.writes) == 2


def test_a_client_waiting_for_100_continue_gets_it_then_its_answer() -> None:
    """uvicorn writes ``100 Continue`` when the app first reads the body; it leaves at the next turn, and the
    client, which sends nothing more until then, is not left waiting."""
    body = json.dumps({"model": "mistral/ocr-3", "image": TINY_PNG_B64}).encode()
    with serve() as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as connection:
            connection.sendall(b"POST /v1/ocr HTTP/1.1\r\nhost: mock\r\ncontent-type: application/json\r\n"
                               b"authorization: Bearer " + KEY.encode() + b"\r\nexpect: 100-continue\r\n"
                               b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body))
            interim = connection.recv(65536)
            assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
            connection.sendall(body)
            received = b""
            while chunk := connection.recv(65536):
                received += chunk
        assert server.stop() == 0
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert json.loads(received.split(b"\r\n\r\n", 1)[1])["object"] == "ocr"
