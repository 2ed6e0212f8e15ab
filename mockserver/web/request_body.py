"""The body of ``POST /v1/ocr``, read as the gateway reads it, by either HTTP path (web/app.py, web/lean.py)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.types import Message, Receive

from mockserver.gateway.parsing import InvalidJson, form_kind, media_type, parse_json, parse_urlencoded
from mockserver.gateway.reading import (
    BodyLimit,
    PayloadTooLarge,
    SizeLimit,
    limited,
    read_all,
    read_limited,
    read_multipart,
)


async def read_body(request: Request, limits: BodyLimit, forms: Mapping[str, Any]) -> Any:
    """The body as the gateway reads it (before/guards.ts L320-332): a Content-Type that contains a form
    type is read as a form (``Request.formData()``, which refuses a body whose media type is not that
    form type: invalid_json), anything else as JSON; at most the release's limit for its content type."""
    content_type = request.headers.get("content-type")
    limit = limits.for_type(content_type)
    kind = form_kind(content_type)
    if kind is None:
        return parse_json(await read_limited(request, limit))
    if media_type(content_type) == "application/x-www-form-urlencoded":
        return parse_urlencoded(await read_limited(request, limit), forms)
    if media_type(content_type) != "multipart/form-data":
        raise InvalidJson()
    try:
        return await read_multipart(request, limit, forms)
    except (PayloadTooLarge, ClientDisconnect):
        raise
    except Exception:  # python-multipart raises several types for a broken multipart body
        raise InvalidJson() from None


async def whole_body(receive: Receive, declared: int | None, limit: SizeLimit) -> bytes | bytearray:
    """A request body straight from ASGI ``receive``, at most ``limit`` bytes, as ``limited`` and ``read_all``
    read it (too large at once when the declared length is): a body that comes in one message (most) is
    returned as it came, without a copy or a generator."""
    if declared is not None and declared > limit.limit:
        raise limit.error()
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        body: bytes = message.get("body", b"")
        if len(body) > limit.limit:
            raise limit.error()
        return body
    return await read_all(limited(received_chunks(receive, message), None, limit))


async def received_chunks(receive: Receive, first: Message | None = None) -> AsyncGenerator[bytes, None]:
    """A request body's chunks straight from ASGI ``receive`` (after the ``first`` message, when one was
    received already), as ``Request.stream()`` yields them."""
    message = first
    while True:
        if message is None:
            message = await receive()
        if message["type"] == "http.request":
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect()
        message = None
