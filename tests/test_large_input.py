"""Large images: a 20 MB base64 image is answered correctly, without holding many copies of the body."""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import tracemalloc
from typing import Any

import orjson
import pytest

from mockserver.gateway import parsing
from mockserver.gateway.parsing import InvalidJson, parse_json
from mockserver.web.app import Settings, create_app
from tests.helpers import KEY

CHUNK = 65536  # what uvicorn hands the app at a time


def _call(app: Any, body: bytes) -> tuple[int, dict[str, Any]]:
    """POST /v1/ocr straight to the ASGI app, the body in chunks as a server delivers it."""
    position = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal position
        chunk = body[position : position + CHUNK]
        position += CHUNK
        return {"type": "http.request", "body": chunk, "more_body": position < len(body)}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/v1/ocr", "raw_path": b"/v1/ocr", "query_string": b"", "root_path": "",
        "headers": [(b"authorization", f"Bearer {KEY}".encode()), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip
    asyncio.run(app(scope, receive, send))
    return messages[0]["status"], orjson.loads(b"".join(m.get("body", b"") for m in messages[1:]))


def _large_body(decoded_size: int, prefix: bytes = b"") -> tuple[bytes, int]:
    image = base64.b64encode(os.urandom(decoded_size))
    body = (
        b'{"model": "mistral/ocr-3", "debug": {"return_upstream_response": true}, "image": "' + prefix + image + b'"}'
    )
    return body, decoded_size


@pytest.mark.parametrize("prefix", [b"", b"data:image/png;base64,"], ids=["bare-base64", "data-url"])
def test_a_20_mb_base64_image_is_answered_and_read_whole(prefix: bytes) -> None:
    body, decoded_size = _large_body(15 * 1024 * 1024, prefix)
    assert len(body) > 20_000_000
    status, answer = _call(create_app(Settings()), body)
    assert status == 200
    assert answer["model"] == "mistral-ocr-2512"
    assert answer["upstream_response"]["usage"]["doc_size_bytes"] == decoded_size


def test_peak_memory_for_a_large_image_stays_under_three_times_the_body() -> None:
    """Every allocation counts (tracemalloc), the client's body excepted; answering frees what it took."""
    app = create_app(Settings())
    _call(app, b'{"model": "mistral/ocr-3", "image": "eA=="}')  # warm: nothing lazy counts against the image
    body, _ = _large_body(6 * 1024 * 1024)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        status, _ = _call(app, body)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 200
    assert peak - before < 3 * len(body)
    assert after - before < len(body) // 10


LARGE_TEXTS = [
    b'{"model": "m", "image": "x"}',
    b'\xef\xbb\xbf{"model": "m"}',  # BOM
    b'{"model": "\xff\xfe"}',  # invalid UTF-8, replaced
    b'{"model": "\\ud800"}',  # lone surrogate escape
    b'{"a": 1.5, "b": -0, "c": [true, false, null], "d": 18446744073709551615}',
    b'{"a": NaN}',
    b"[1, 2",
    b"",
    b"  \n ",
    b'{"a": 1e400}',
    b"[" * 1010 + b"]" * 1010,  # deeper than the standard library goes, within orjson's limit
    b"[" * 5000 + b"]" * 5000,
]


@pytest.mark.parametrize("text", LARGE_TEXTS)
def test_large_bodies_parse_as_small_ones_do(text: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome(raw: bytes | bytearray) -> Any:
        try:
            return ("ok", parse_json(raw))
        except InvalidJson:
            return ("invalid_json",)

    expected = outcome(text)
    monkeypatch.setattr(parsing, "LARGE_BODY", 0)
    buffer = bytearray(text)
    got = outcome(buffer)
    assert not buffer  # released as soon as it was decoded
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)  # comparing the deeply nested results recurses too
    try:
        assert got == expected
    finally:
        sys.setrecursionlimit(limit)


def test_the_small_path_is_orjson_and_the_large_path_the_standard_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both paths are really taken, and read a number beyond 64 bits alike (a double, as JavaScript)."""
    text = b'{"n": 123456789012345678901234567890}'
    lenient: list[str] = []
    real = parsing._parse_lenient
    monkeypatch.setattr(parsing, "_parse_lenient", lambda body: lenient.append(body) or real(body))
    small = parse_json(text)
    assert lenient == []  # orjson read it
    monkeypatch.setattr(parsing, "LARGE_BODY", 0)
    assert parse_json(bytearray(text)) == small == {"n": 1.2345678901234568e29}
    assert lenient == [text.decode()]  # the standard library read it
