"""Scripted latency (fixed, distributions, per page) and connection faults."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from mockserver.scripting.outcomes import Delay
from mockserver.web.faults import DroppedConnection
from tests.targets import Target

MODEL = "mistral/ocr-3"
URL = "https://example.com/a.png"


def upstream_timing(response: httpx.Response) -> float:
    match = re.search(r"attempt_1_executor_total;dur=([\d.]+)", response.headers["server-timing"])
    assert match, response.headers["server-timing"]
    return float(match.group(1))


def test_fixed_delay_shows_in_meta_and_server_timing(target: Target) -> None:
    target.script(model=MODEL, text="slow", delay_ms=150)
    started = time.perf_counter()
    response = target.ocr({"model": MODEL, "image": URL})
    elapsed_ms = (time.perf_counter() - started) * 1000
    meta = response.json()["meta"]
    assert 150 <= meta["generation_ms"] < 1500  # upper bound only catches a doubled delay (CI may be loaded)
    assert elapsed_ms >= 150
    assert abs(upstream_timing(response) - meta["generation_ms"]) <= 1
    # after/timing.ts L27-46 (bff496d80): latency_ms also times the provider call
    assert meta["latency_ms"] == meta["generation_ms"]
    assert meta["end_to_end_ms"] == meta["latency_ms"] + meta["generation_ms"]
    assert meta["throughput_tps"] == 0


def test_per_page_cost_makes_long_documents_slower(target: Target) -> None:
    target.script(model=MODEL, match={"language": "short"}, pages=["p"], per_page_ms=20)
    target.script(model=MODEL, match={"language": "long"}, pages=["p"] * 10, per_page_ms=20)
    short = target.ocr({"model": MODEL, "image": URL, "language": "short"}).json()["meta"]["generation_ms"]
    long = target.ocr({"model": MODEL, "image": URL, "language": "long"}).json()["meta"]["generation_ms"]
    assert 20 <= short < 1000
    assert long >= 200 and long > short + 150


def test_delay_applies_to_errors_too(target: Target) -> None:
    target.script(model=MODEL, upstream={"status": 503}, delay_ms=100)
    response = target.ocr({"model": MODEL, "image": URL})
    assert response.status_code == 502
    assert upstream_timing(response) >= 100


def test_uniform_delay_is_seeded_and_within_bounds() -> None:
    first = Delay(uniform=(10, 50), seed=7)
    second = Delay(uniform=(10, 50), seed=7)
    draws = [first.draw_ms(1) for _ in range(100)]
    assert draws == [second.draw_ms(1) for _ in range(100)]
    assert all(10 <= draw <= 50 for draw in draws)
    assert len(set(draws)) > 50


def test_lognormal_delay_is_capped_and_restarts_on_reseed() -> None:
    delay = Delay(lognormal=(20, 1.5, 80), seed=1, per_page_ms=5)
    draws = [delay.draw_ms(2) for _ in range(500)]
    assert all(10 <= draw <= 90 for draw in draws)
    assert max(draws) == 90  # the cap is hit with sigma 1.5
    delay.reseed()
    assert [delay.draw_ms(2) for _ in range(5)] == draws[:5]


def test_distribution_delay_over_http(target: Target) -> None:
    target.script(model=MODEL, text="jittery", delay={"uniform": {"min_ms": 30, "max_ms": 60}, "seed": 3})
    timings = [target.ocr({"model": MODEL, "image": URL}).json()["meta"]["generation_ms"] for _ in range(3)]
    assert all(30 <= timing < 1000 for timing in timings)


def test_drop_closes_the_connection_before_any_response(target: Target) -> None:
    target.script(model=MODEL, text="never seen", fault="drop", times=1)
    expected = DroppedConnection if target.mode == "in-process" else httpx.RemoteProtocolError
    with pytest.raises(expected):
        target.ocr({"model": MODEL, "image": URL})
    assert target.ocr({"model": MODEL, "image": URL}).status_code == 200  # the connection pool recovers


def test_truncate_sends_part_of_the_body(target: Target) -> None:
    target.script(model=MODEL, text="cut short", fault={"type": "truncate", "keep_bytes": 40}, times=1)
    expected = DroppedConnection if target.mode == "in-process" else httpx.RemoteProtocolError
    with pytest.raises(expected):
        target.ocr({"model": MODEL, "image": URL})
    assert target.journal()[0]["status"] == 200


def test_truncated_bytes_arrive_before_the_close(socket_server: object) -> None:
    import socket as sockets
    from urllib.parse import urlsplit

    from tests.server import RunningServer

    assert isinstance(socket_server, RunningServer)
    address = urlsplit(socket_server.url)
    httpx.post(f"{socket_server.url}/_mock/reset")
    httpx.post(f"{socket_server.url}/_mock/scripts",
               json={"model": MODEL, "text": "x", "fault": {"type": "truncate", "keep_bytes": 25}})
    body = b'{"model": "mistral/ocr-3", "image": "x"}'
    request = (b"POST /v1/ocr HTTP/1.1\r\nHost: mock\r\nAuthorization: Bearer aistats_v1_sk_abcdef_x\r\n"
               b"Content-Type: application/json\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    with sockets.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, partial = received.partition(b"\r\n\r\n")
    declared = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    assert head.startswith(b"HTTP/1.1 200")
    assert len(partial) == 25 < declared


def test_dribble_delivers_the_whole_body_slowly(target: Target) -> None:
    target.script(model=MODEL, text="slowly", fault={"type": "dribble", "chunk_bytes": 200, "interval_ms": 40})
    started = time.perf_counter()
    response = target.ocr({"model": MODEL, "image": URL})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json()["text"] == "slowly"
    chunks = -(-len(response.content) // 200)
    assert elapsed >= (chunks - 1) * 0.04 * 0.95  # a pause between chunks
