"""The two Starlette peers the mock is compared with, served by uvicorn exactly as ``ocr-mock serve`` is.

``bare``: a JSON POST endpoint that parses the body and answers a small JSON object (the ceiling for
any Starlette app on this stack). ``openapi_core``: the same endpoint asking openapi-core's
``validate_request`` about each request against the bundled spec (the straightforward way to validate).
"""

from __future__ import annotations

from typing import Any

from openapi_core import OpenAPI
from openapi_core.contrib.starlette.requests import StarletteOpenAPIRequest
from openapi_core.exceptions import OpenAPIError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.resources import spec_path


async def _answer(request: Request) -> tuple[bytes, Any]:
    raw = await request.body()
    return raw, await request.json()


async def bare_ocr(request: Request) -> Response:
    _, body = await _answer(request)
    return JSONResponse({"object": "ocr", "model": body.get("model"), "text": "# bare"})


_OPENAPI = OpenAPI.from_path(spec_path())


class _AsServed(StarletteOpenAPIRequest):
    """The request as if sent to the spec's server (the peer listens on loopback, not on api.phaseo.app)."""

    @property
    def host_url(self) -> str:
        return "https://api.phaseo.app"


async def validated_ocr(request: Request) -> Response:
    raw, body = await _answer(request)
    try:
        _OPENAPI.validate_request(_AsServed(request, raw))
    except OpenAPIError as exc:
        return JSONResponse({"error": "validation_error", "description": str(exc)}, status_code=400)
    return JSONResponse({"object": "ocr", "model": body.get("model"), "text": "# validated"})


bare = Starlette(routes=[Route("/v1/ocr", bare_ocr, methods=["POST"])])
openapi_core = Starlette(routes=[Route("/v1/ocr", validated_ocr, methods=["POST"])])
