"""Routing on the path as a URL defines it: an encoded slash (``%2F``) is data, not a separator.

uvicorn and Starlette's test client decode the whole path, so ``/v1%2Focr`` would reach ``POST
/v1/ocr``. A URL whose only segment is ``v1/ocr`` is not that path: it is a 404, as any unknown path
on the gateway. Other escapes (``/v1/%6Fcr``) decode as usual (RFC 3986: same resource).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

_ENCODED_SLASH = re.compile(rb"%2f", re.IGNORECASE)


class EncodedSlashesStayEncoded:
    """ASGI middleware: the routed ``path`` keeps ``%2F`` as the three characters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path: bytes | None = scope.get("raw_path")
        if scope["type"] == "http" and raw_path and _ENCODED_SLASH.search(raw_path):
            kept = _ENCODED_SLASH.sub(b"%252F", raw_path).decode("latin-1")
            scope = {**scope, "path": unquote(kept)}
        await self.app(scope, receive, send)
