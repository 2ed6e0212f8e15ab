"""Reading the request body off the connection: incrementally, and never past the body limit.

A body larger than ``Settings.max_body_bytes`` is refused with 413 ``payload_too_large`` as soon as
that is known: at once when ``Content-Length`` says so, otherwise when the chunks read so far pass the
limit. Nothing beyond the limit is ever held. A client that goes away mid-body raises
``ClientDisconnect`` (Starlette's), which the routes answer with nothing (there is no one to answer).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartParser
from starlette.requests import ClientDisconnect, Request

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.parsing import FormFile, form_object

__all__ = ["ClientDisconnect", "PayloadTooLarge", "read_limited", "read_multipart"]


class PayloadTooLarge(GatewayError):
    def __init__(self, limit: int) -> None:
        super().__init__("payload_too_large", f"The request body is larger than this mock's limit of {limit} bytes.")


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else None


async def limited_chunks(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The body's chunks as they arrive; ``PayloadTooLarge`` once they pass ``limit`` bytes."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise PayloadTooLarge(limit)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLarge(limit)
        yield chunk


async def read_limited(request: Request, limit: int) -> bytearray:
    """The whole body in one buffer (one copy), at most ``limit`` bytes."""
    buffer = bytearray()
    async for chunk in limited_chunks(request, limit):
        buffer += chunk
    return buffer


async def read_multipart(request: Request, limit: int) -> dict[str, Any]:
    """A ``multipart/form-data`` body as the gateway's object of its fields (an uploaded file is a ``FormFile``).

    The parts are bounded by the body limit only (the gateway's runtime counts neither fields nor
    part sizes); uploaded files are spooled by Starlette and closed here.
    """
    async with aclosing(limited_chunks(request, limit)) as chunks:
        parser = MultiPartParser(
            request.headers, chunks, max_files=float("inf"), max_fields=float("inf"), max_part_size=limit
        )
        form = await parser.parse()
    try:
        return form_object(
            (name, FormFile(name=value.filename) if isinstance(value, UploadFile) else value)
            for name, value in form.multi_items()
        )
    finally:
        await form.close()
