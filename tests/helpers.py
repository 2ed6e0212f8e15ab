"""Shared test helpers: a well-formed key, request shortcuts and exact-answer assertions."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any, TextIO

from starlette.testclient import TestClient

from mockserver.gateway.ids import GENERATION_ID
from mockserver.web.logline import LINE_FORMAT

KEY = "aistats_v1_sk_test01_s3cret"
AUTH = {"Authorization": f"Bearer {KEY}"}
TINY_PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

CORS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "access-control-allow-headers": (
        "Authorization, Content-Type, x-title, http-referer, x-app-id, x-app-name, x-gateway-debug, "
        "X-AIStats-Strictness, x-aistats-cache-revalidate"
    ),
    "access-control-max-age": "86400",
}


def post_ocr(client: TestClient, body: Any = None, *, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    """POST /v1/ocr with a valid key unless ``headers`` says otherwise."""
    all_headers = {**AUTH, **(headers or {})}
    if body is not None:
        kw["json"] = body
    return client.post("/v1/ocr", headers=all_headers, **kw)


def envelope_without_id(response: Any) -> dict[str, Any]:
    """The error body with its generation id checked and removed."""
    body = dict(response.json())
    assert GENERATION_ID.match(body.pop("generation_id"))
    return body


def expect_error(
    response: Any, status: int, error: str, description: str, *, error_type: str = "user",
    error_origin: str = "user", **extra: Any,
) -> None:
    """The response is exactly this gateway error: status, envelope and nothing else."""
    assert response.status_code == status
    assert envelope_without_id(response) == {
        "status_code": status,
        "error": error,
        "error_type": error_type,
        "error_origin": error_origin,
        "description": description,
        **extra,
    }


# ``meta.routing`` of a success with debug or ``meta`` on, one provider (after/payload.ts L537-546, bff496d80)
ROUTING_META = {
    "selected_provider": "mistral",
    "requested_params": [],
    "param_provider_count_before": 1,
    "param_provider_count_after": 1,
    "param_dropped_providers": [],
}


@contextlib.contextmanager
def logging_as_served(stream: TextIO) -> Iterator[logging.StreamHandler[TextIO]]:
    """Logging as ``ocr-mock serve`` configures it (cli.py), into ``stream``: pytest's own capture handlers
    are set aside meanwhile."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handler: logging.StreamHandler[TextIO] = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LINE_FORMAT))
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


class Wire:
    """A transport that records each write (one entry per system call the real one would make) and how the
    connection ended."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.ended: list[str] = []

    def write(self, data: bytes) -> None:
        assert not self.closed, "a write after close"
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True
        self.ended.append("close")

    def abort(self) -> None:
        self.closed = True
        self.ended.append("abort")

    def write_eof(self) -> None:
        self.ended.append("eof")

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:  # uvicorn's flow control, past 64 KiB of unread body: the test feeds on
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else default
