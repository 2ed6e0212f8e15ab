"""Routing on the path exactly as the URL names it.

uvicorn and Starlette's test client decode the whole path, and Starlette's route patterns end with
``$``, which also matches before a final line feed. So ``/v1%2Focr`` (one segment, ``v1/ocr``) and
``/v1/ocr%0A`` would both reach ``POST /v1/ocr``. Neither is that path: both are a 404, as any unknown
path on the gateway. The routed path keeps an encoded slash and a line feed percent-encoded; other
escapes (``/v1/%6Fcr``) decode as usual (RFC 3986: the same resource).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

_ENCODED_SLASH = re.compile(rb"%2f", re.IGNORECASE)


def routed_path(path: str, raw_path: bytes | None) -> str:
    if raw_path and _ENCODED_SLASH.search(raw_path):
        path = unquote(_ENCODED_SLASH.sub(b"%252F", raw_path).decode("latin-1"))
    return path.replace("\n", "%0A")


class ExactPaths:
    """ASGI middleware: the ``path`` that routes is ``routed_path`` of the request's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = routed_path(scope["path"], scope.get("raw_path"))
            if path != scope["path"]:
                scope = {**scope, "path": path}
        await self.app(scope, receive, send)
