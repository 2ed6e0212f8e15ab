"""The straightforward way to validate: the bare endpoint asking openapi-core's ``validate_request``
about every request (security, body) against the bundled spec."""

from __future__ import annotations

from openapi_core import OpenAPI
from openapi_core.contrib.starlette.requests import StarletteOpenAPIRequest
from openapi_core.exceptions import OpenAPIError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mockserver.resources import spec_path

_OPENAPI = OpenAPI.from_path(spec_path())


class _AsServed(StarletteOpenAPIRequest):
    """The request as if sent to the spec's server (the peer listens on loopback, not on api.phaseo.app)."""

    @property
    def host_url(self) -> str:
        return "https://api.phaseo.app"


async def ocr(request: Request) -> Response:
    raw = await request.body()
    body = await request.json()
    try:
        _OPENAPI.validate_request(_AsServed(request, raw))
    except OpenAPIError as exc:
        return JSONResponse({"error": "validation_error", "description": str(exc)}, status_code=400)
    return JSONResponse({"object": "ocr", "model": body.get("model"), "text": "# validated"})


app = Starlette(routes=[Route("/v1/ocr", ocr, methods=["POST"])])
