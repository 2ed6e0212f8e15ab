"""The baseline: a bare Starlette JSON POST endpoint that parses the body and answers a small JSON
object, the ceiling for any Starlette app on this stack. Served by uvicorn as ``ocr-mock serve`` is."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def ocr(request: Request) -> Response:
    body = await request.json()
    return JSONResponse({"object": "ocr", "model": body.get("model"), "text": "# bare"})


app = Starlette(routes=[Route("/v1/ocr", ocr, methods=["POST"])])
