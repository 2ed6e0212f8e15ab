"""The hostile corpus: every case gets exactly the answer it names, never a 500, never a hang.

In-process cases go through the ASGI app with raw bytes (tests/asgi_driver.py); socket cases go to a
real ``ocr-mock serve`` on the loopback. Every answer is also judged by the fuzzer's oracle.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import orjson
import pytest

from mockserver.gateway.errors import error_table
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from reliability.oracle import problems
from tests.asgi_driver import RawResponse, call
from tests.helpers import CORS, KEY
from tests.hostile import Case, load_cases, raw_request, wire_bytes
from tests.server import RunningServer, serve

CASES = load_cases()
SOCKET_LIMIT = 1024 * 1024
ERROR_HEADERS = {"content-type": "application/json", "cache-control": "no-store", "timing-allow-origin": "*"}


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 100
    assert len({case.id for case in CASES}) == len(CASES)


def expect_answer(case: Case, response: RawResponse) -> None:
    """The response is the answer ``case`` expects, with the gateway's envelope and headers."""
    expect = case.expect
    assert response.status == expect["status"], response.body[:300]
    if response.status == 499:  # the client left: the app's (unsent) answer is empty
        assert response.body == b""
        return
    if "text" in expect:
        assert (response.body.decode(), response.headers["content-type"]) == (
            expect["text"], "text/plain; charset=utf-8")
        return
    # routes/v1/index.ts L24-46 (bff496d80): CORS only on /v1 and /v1/*
    target = raw_request(case).path.decode("latin-1")
    path = urlsplit(target).path if "://" in target else target.split("?", 1)[0]
    cors = path == "/v1" or path.startswith("/v1/")
    for name, value in CORS.items():
        assert response.headers.get(name) == (value if cors else None), name
    if "error" in expect:
        kind = error_table()[expect["error"]]
        body = orjson.loads(response.body)
        assert (body["status_code"], body["error"], body["error_type"], body["error_origin"]) == (
            kind.status, kind.code, kind.error_type, kind.error_origin)
        if "description" in expect:
            assert body["description"] == expect["description"]
        assert ("debug" in body) == expect.get("debug", False)
        assert {name: response.headers.get(name) for name in ERROR_HEADERS} == ERROR_HEADERS
        assert response.headers["x-gateway-error-attribution"] == kind.attribution
        assert response.headers["x-gateway-error-origin"] == kind.error_origin
        assert response.headers["server-timing"].startswith("guardAuth;dur=")  # telemetry/timer.ts L59-82
    elif response.status == 404:
        assert response.headers["content-type"] == "text/plain; charset=UTF-8"
        assert response.body in (b"404 Not Found", b"")  # HEAD has no body on the wire
    elif response.status == 204:
        assert response.body == b""
    elif response.status == 200 and case.spec.get("method") == "GET":
        assert orjson.loads(response.body)["message"].startswith("Welcome to the AI Stats Gateway API!")
    elif response.status == 200:
        body = orjson.loads(response.body)
        assert (body["object"], body["provider"], body["model"]) == ("ocr", "mistral", "mistral-ocr-2512")
        assert {name: response.headers.get(name) for name in ERROR_HEADERS} == ERROR_HEADERS


@pytest.mark.parametrize("case", [case for case in CASES if not case.socket], ids=lambda case: case.id)
def test_in_process(case: Case) -> None:
    mock = Mock(Settings(**case.settings))
    request = raw_request(case)
    response = call(create_app(mock=mock), request)
    expect_answer(case, response)
    assert problems(request, response) == []
    entries = mock.journal.entries()
    assert [entry.status for entry in entries] == [case.expect["status"]]  # journaled exactly once


# -- over a real socket -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[RunningServer]:
    with serve("--no-fixtures", "--max-body-bytes", str(SOCKET_LIMIT)) as server:
        yield server


def exchange(url: str, data: bytes, *, leave: bool, head: bool, timeout: float = 15.0) -> RawResponse | None:
    """Send ``data``; read one response (None if the server sent nothing before closing)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)  # the server may answer and close before taking everything (431, 413)
        if leave:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = _recv(sock)
            if not chunk:
                return None if not received else _parse(received, b"", complete=False)
            received += chunk
        head_part, _, body = received.partition(b"\r\n\r\n")
        response = _parse(head_part, b"", complete=False)
        length = 0 if head else int(response.headers.get("content-length", "0"))
        while len(body) < length and (chunk := _recv(sock)):
            body += chunk
        return _parse(head_part, body, complete=len(body) >= length)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except ConnectionResetError:
        return b""


def _parse(head: bytes, body: bytes, *, complete: bool) -> RawResponse:
    status_line, *header_lines = head.split(b"\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(b":")
        headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
    return RawResponse(int(status_line.split()[1]), headers, body, complete)


def journal_count(http: httpx.Client, status: int) -> int:
    return len(http.get("/_mock/requests", params={"status": status}).json()["requests"])


@pytest.mark.parametrize("case", [case for case in CASES if case.socket], ids=lambda case: case.id)
def test_over_a_socket(case: Case, hostile_server: RunningServer) -> None:
    expect = case.expect
    with httpx.Client(base_url=hostile_server.url, timeout=10) as http:
        journal_status = expect.get("journal")
        before = journal_count(http, journal_status) if journal_status else 0
        response = exchange(hostile_server.url, wire_bytes(case), leave=bool(case.spec.get("disconnect")),
                            head=case.spec.get("method") == "HEAD")
        if expect.get("closed"):
            assert response is None
        else:
            assert response is not None and response.complete
            expect_answer(case, response)
        if journal_status:
            deadline = time.monotonic() + 5
            while journal_count(http, journal_status) == before and time.monotonic() < deadline:
                time.sleep(0.05)
            assert journal_count(http, journal_status) == before + 1
        assert http.get("/_mock/health").status_code == 200  # and the server still serves


def test_a_client_that_stalls_mid_body_holds_only_its_own_connection(hostile_server: RunningServer) -> None:
    host, port = hostile_server.url.removeprefix("http://").split(":")
    head = b"POST /v1/ocr HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer %s\r\nContent-Length: 100\r\n\r\n{" % (
        KEY.encode())
    with httpx.Client(base_url=hostile_server.url, timeout=5) as http:
        before = journal_count(http, 499)
        with socket.create_connection((host, int(port))) as stalled:
            stalled.sendall(head)  # and then nothing more, for now
            started = time.monotonic()
            answer = http.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": "x"},
                               headers={"Authorization": "Bearer aistats_v1_sk_other01_x"})
            assert answer.status_code == 200 and time.monotonic() - started < 2
        deadline = time.monotonic() + 5
        while journal_count(http, 499) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert journal_count(http, 499) == before + 1  # closed: journaled once, as 499


def test_a_caller_cannot_forge_or_flood_log_lines(hostile_server: RunningServer) -> None:
    forged = "x\nERROR:    Exception in ASGI application"
    with httpx.Client(base_url=hostile_server.url, timeout=5) as http:
        http.post("/v1/ocr", json={"model": forged, "image": "x"}, headers={"Authorization": f"Bearer {KEY}"})
        http.post("/v1/ocr", json={"model": "m" * 100_000, "image": "x"}, headers={"Authorization": f"Bearer {KEY}"})
        http.post("/v1/ocr%0AERROR:", json={})
        time.sleep(0.2)
    lines = hostile_server.log.splitlines()
    assert not [line for line in lines if line.startswith("ERROR:")]
    assert any(line.endswith("model=x\\nERROR:    Exception in ASGI application") for line in lines)
    assert max(len(line) for line in lines) < 1000


def test_the_server_logged_no_traceback(hostile_server: RunningServer) -> None:
    """Runs after the socket cases (same module-scoped server): nothing escaped as an exception."""
    lines = hostile_server.log.splitlines()  # callers' values are escaped: only the server starts a line
    assert [line for line in lines if line.startswith(("Traceback", "ERROR:"))] == []


