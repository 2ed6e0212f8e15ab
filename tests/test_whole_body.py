"""Reading ``POST /v1/ocr``'s body straight from ASGI on the lean path: whole, bounded, and in any number of
messages."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mockserver.gateway.reading import ClientDisconnect, PayloadTooLarge, SizeLimit
from mockserver.web.request_body import whole_body


def read(messages: list[dict[str, Any]], declared: int | None = None, limit: int = 10) -> bytes | bytearray:
    queue = iter(messages)

    async def receive() -> dict[str, Any]:
        return next(queue)

    return asyncio.run(whole_body(receive, declared, SizeLimit(limit)))


def part(body: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


def test_a_body_in_one_message_is_returned_as_it_came() -> None:
    message = part(b'{"a": 1}')
    assert read([message]) is message["body"]


def test_a_body_in_several_messages_is_joined() -> None:
    assert read([part(b'{"a"', True), part(b"", True), part(b": 1}")]) == b'{"a": 1}'


def test_an_empty_body() -> None:
    assert read([{"type": "http.request"}]) == b""


@pytest.mark.parametrize("messages", [[part(b"x" * 11)], [part(b"x" * 6, True), part(b"x" * 5)]])
def test_more_than_the_limit_is_too_large(messages: list[dict[str, Any]]) -> None:
    with pytest.raises(PayloadTooLarge):
        read(messages)


def test_a_declared_length_over_the_limit_is_refused_before_reading() -> None:
    with pytest.raises(PayloadTooLarge):
        read([], declared=11)


def test_exactly_the_limit_is_read() -> None:
    assert read([part(b"x" * 4, True), part(b"x" * 6)], declared=10) == b"x" * 10


@pytest.mark.parametrize("messages", [[{"type": "http.disconnect"}], [part(b"x", True), {"type": "http.disconnect"}]])
def test_a_client_gone_mid_body_is_a_disconnect(messages: list[dict[str, Any]]) -> None:
    with pytest.raises(ClientDisconnect):
        read(messages)
