"""The lean path's answers as the client receives them: the same bytes on the socket as the plain Starlette route's.

tests/test_lean_equivalence.py compares the two paths' ASGI messages in-process. Served, the lean path also hands
uvicorn only Content-Length and Content-Type and has the connection's transport write the other header lines into
the head (web/coalescing.py). Here both apps are served by uvicorn with the mock's protocol, as ``ocr-mock serve``
serves them, and every answer's head and body must be identical, byte for byte, but for the Date header's value.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.pytest_plugin.hosting import LoopbackServer, LoopThread
from mockserver.web.app import create_app
from tests.asgi_driver import RawRequest
from tests.test_lean_equivalence import RELEASES, json_request, pinned_mocks, restart_ids, send_generated, stop_clocks

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DATE = re.compile(rb"\r\ndate: [^\r]*\r\n")


@pytest.fixture(scope="module")
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.close()


@pytest.fixture(autouse=True)
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    stop_clocks(monkeypatch)


def wire(url: str, request: RawRequest) -> bytes:
    """``request`` sent on a fresh connection; the answer's head (its Date value blanked) and body as received."""
    host, port = url.removeprefix("http://").split(":")
    body = b"".join(request.chunks)
    head = b"".join(b"%s: %s\r\n" % pair for pair in request.headers)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(b"%s %s HTTP/1.1\r\nhost: mock\r\n%s\r\n%s" % (request.method.encode(), request.path,
                                                                          head, body))
        received = b""
        while b"\r\n\r\n" not in received:
            received += connection.recv(65536) or pytest.fail(f"the connection closed mid-head: {received!r}")
        answer_head, _, answer_body = received.partition(b"\r\n\r\n")
        length = int(re.search(rb"\r\ncontent-length: (\d+)", answer_head).group(1))  # type: ignore[union-attr]
        while len(answer_body) < length:
            answer_body += connection.recv(65536) or pytest.fail("the connection closed mid-body")
    assert len(answer_body) == length
    return DATE.sub(b"\r\ndate: -\r\n", answer_head + b"\r\n\r\n") + answer_body


class ServedPair:
    """The same mock twice, served: through the lean path and through the plain route."""

    def __init__(self, loop: LoopThread, **options: Any) -> None:
        self.mocks = pinned_mocks(**options)
        self.servers = [LoopbackServer(create_app(mock=mock, lean=lean), loop)
                        for mock, lean in zip(self.mocks, (True, False), strict=True)]

    def script(self, **spec: Any) -> None:
        for server in self.servers:
            reply = httpx.post(f"{server.url}/_mock/scripts", json=spec)
            assert reply.status_code == 201, reply.text

    def send(self, request: RawRequest, monkeypatch: pytest.MonkeyPatch) -> bytes:
        answers = []
        for server in self.servers:
            restart_ids(monkeypatch)
            answers.append(wire(server.url, request))
        lean, plain = answers
        assert lean == plain
        return lean

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def served(loop: LoopThread) -> Iterator[list[ServedPair]]:
    pairs: list[ServedPair] = []
    yield pairs
    for pair in pairs:
        pair.close()


@pytest.mark.parametrize("release", RELEASES)
def test_bundled_scripts_and_debug_answers(release: str, loop: LoopThread, served: list[ServedPair],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Successes, scripted errors (with the gateway's error headers), upstream failures, the debug switches."""
    both = ServedPair(loop, fixtures=FIXTURES, gateway_release=release)
    served.append(both)
    models = sorted({script.model for script in both.mocks[0].engine.scripts()} | {"mistral/ocr-3", "nope/none"})
    debug = {"enabled": True, "return_upstream_request": True, "return_upstream_response": True}
    statuses = set()
    for model in models:
        for extra in ({}, {"debug": debug}, {"meta": True, "echo_upstream_request": True}):
            answer = both.send(json_request({"model": model, "image": "aGVsbG8=", **extra}), monkeypatch)
            statuses.add(int(answer.split(b" ", 2)[1]))
            assert b"\r\nserver-timing: " in answer and b"\r\naccess-control-allow-origin: *\r\n" in answer
    both.send(json_request({"model": "mistral/ocr-3", "image": "aGVsbG8="}, (b"x-gateway-debug", b"1")), monkeypatch)
    assert statuses == {200, 400}


SCRIPTED = [
    {"error": {"code": "insufficient_funds"}},
    {"error": {"code": "key_limit_exceeded"}},
    {"error": {"code": "unsupported_model_or_endpoint"}},
    {"upstream": {"status": 429, "code": "rate_limit_exceeded", "message": "Slow down", "payload": {"error": "rate"}}},
    {"upstream": {"status": 500}},
    {"upstream": {"status": 504}},
    {"pages": []},
    {"pages": ["caf\u00e9 \u2014 \U0001f600", "second\tpage"]},
]


@pytest.mark.parametrize("release", RELEASES)
def test_scripted_errors_and_upstream_failures(release: str, loop: LoopThread, served: list[ServedPair],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The gateway's error headers (X-Gateway-Error-*) travel in the lines the transport writes."""
    both = ServedPair(loop, gateway_release=release)
    served.append(both)
    statuses = set()
    for number, spec in enumerate(SCRIPTED):
        both.script(model="mistral/ocr-3", match={"headers": {"x-case": str(number)}}, **spec)
        answer = both.send(json_request({"model": "mistral/ocr-3", "image": "aGVsbG8="}, (b"x-case", b"%d" % number)),
                           monkeypatch)
        statuses.add(int(answer.split(b" ", 2)[1]))
    assert statuses == {200, 400, 402, 429, 502}


def test_generated_bodies(loop: LoopThread, served: list[ServedPair], monkeypatch: pytest.MonkeyPatch) -> None:
    both = ServedPair(loop)
    served.append(both)

    send_generated(lambda request: both.send(request, monkeypatch), 60)
    assert len(both.mocks[0].journal.entries()) >= 60
