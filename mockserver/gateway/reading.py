"""Reading the request body off the connection: incrementally, and never past the body limit.

A body larger than ``Settings.max_body_bytes`` is refused with 413 ``payload_too_large`` as soon as
that is known: at once when ``Content-Length`` says so, otherwise when the chunks read so far pass the
limit. Nothing beyond the limit is ever held. A client that goes away mid-body raises
``ClientDisconnect`` (Starlette's), which the routes answer with nothing (there is no one to answer).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartParser
from starlette.requests import ClientDisconnect, Request

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.parsing import FormFile, form_object

__all__ = ["BodyLimit", "ClientDisconnect", "PayloadTooLarge", "SizeLimit", "limited", "read_all", "read_limited",
           "read_multipart"]


class PayloadTooLarge(GatewayError):
    def __init__(self, limit: int, *, gateway_limit: bool = False) -> None:
        """``gateway_limit``: the release's own limit, described as the gateway does (its error table's text)."""
        description = None if gateway_limit else f"The request body is larger than this mock's limit of {limit} bytes."
        # guards.ts 386-396: the internal body names the limit and the endpoint (seen only in debug.upstream)
        internal = {"request_id": None, "workspace_id": None, "max_bytes": limit, "endpoint": "ocr"}
        super().__init__("payload_too_large", description, internal=internal if gateway_limit else None)
        self.limit = limit
        self.gateway_limit = gateway_limit


@dataclass(frozen=True)
class SizeLimit:
    """A body's limit in bytes, and whether it is the release's own (refused in the gateway's words) or the mock's
    ceiling; the error is built only when a body passes it."""

    limit: int
    gateway_limit: bool = False

    def error(self) -> PayloadTooLarge:
        return PayloadTooLarge(self.limit, gateway_limit=self.gateway_limit)


@dataclass(frozen=True)
class BodyLimit:
    """How many bytes a body may have: the release's limit for its content type (2026-08: 16 MiB, 32 MiB for
    multipart, refused when strictly greater) under the mock's own ceiling (``--max-body-bytes``)."""

    ceiling: int
    default: int | None = None  # None: the release has no limit of its own
    multipart: int | None = None

    def for_type(self, content_type: str | None) -> SizeLimit:
        """The limit of a body of this content type."""
        return self._multipart if "multipart/form-data" in (content_type or "").lower() else self._default

    @cached_property
    def _default(self) -> SizeLimit:
        return self._within_ceiling(self.default)

    @cached_property
    def _multipart(self) -> SizeLimit:
        return self._within_ceiling(self.multipart)

    def _within_ceiling(self, own: int | None) -> SizeLimit:
        if own is not None and own <= self.ceiling:
            return SizeLimit(own, gateway_limit=True)
        return SizeLimit(self.ceiling)


def declared_length(request: Request) -> int | None:
    return content_length(request.headers.get("content-length"))


def content_length(value: str | None) -> int | None:
    """A ``Content-Length`` header's byte count; None when absent or not a plain number."""
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


def _bound(limit: int | SizeLimit) -> SizeLimit:
    return limit if isinstance(limit, SizeLimit) else SizeLimit(limit)


async def limited(chunks: AsyncIterable[bytes], declared: int | None,
                  limit: int | SizeLimit) -> AsyncGenerator[bytes, None]:
    """A body's ``chunks`` as they arrive; ``PayloadTooLarge`` once they pass the limit (a byte count, or a
    ``SizeLimit``), at once when the ``declared`` length (Content-Length) does."""
    bound = _bound(limit)
    if declared is not None and declared > bound.limit:
        raise bound.error()
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > bound.limit:
            raise bound.error()
        yield chunk


def limited_chunks(request: Request, limit: int | SizeLimit) -> AsyncGenerator[bytes, None]:
    """The chunks of a Starlette request's body, at most ``limit`` bytes."""
    return limited(request.stream(), declared_length(request), limit)


async def read_all(chunks: AsyncIterable[bytes]) -> bytearray:
    """Every chunk in one buffer (one copy)."""
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
    return buffer


async def read_limited(request: Request, limit: int | SizeLimit) -> bytearray:
    """A Starlette request's whole body in one buffer, at most ``limit`` bytes."""
    return await read_all(limited_chunks(request, limit))


async def read_multipart(request: Request, limit: int | SizeLimit,
                         rules: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``multipart/form-data`` body as the gateway's object of its fields (an uploaded file is a ``FormFile``).

    The parts are bounded by the body limit only (the gateway's runtime counts neither fields nor
    part sizes); uploaded files are spooled by Starlette and closed here.
    """
    async with aclosing(limited_chunks(request, limit)) as chunks:
        parser = MultiPartParser(
            request.headers, chunks, max_files=float("inf"), max_fields=float("inf"),
            max_part_size=_bound(limit).limit
        )
        form = await parser.parse()
    try:
        pairs = ((name, FormFile(name=value.filename) if isinstance(value, UploadFile) else value)
                 for name, value in form.multi_items())
        return form_object(pairs, rules)
    finally:
        await form.close()
