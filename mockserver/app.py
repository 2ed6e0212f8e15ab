"""The ASGI application: the gateway's routes on Starlette."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import load_keys
from .catalog import load_catalog
from .gateway import Gateway
from .http import json_response, not_found, preflight, server_timing
from .parsing import InvalidJson, is_form, media_type, parse_json, parse_urlencoded
from .request_body import read_body_once
from .spec import load_spec
from .validation import BodyValidator

log = logging.getLogger("ocr_mock")

WELCOME = "Welcome to the AI Stats Gateway API! Documentation is available at https://docs.ai-stats.phaseo.app"


@dataclass(frozen=True)
class Settings:
    """Everything a mock instance is configured with."""

    spec: Path | None = None
    catalog: Path | None = None
    keys_file: Path | None = None
    keys: tuple[str, ...] = field(default_factory=tuple)
    fixtures: Path | None = None


def build_gateway(settings: Settings) -> Gateway:
    return Gateway(
        keys=load_keys(settings.keys_file, settings.keys),
        catalog=load_catalog(settings.catalog),
        validator=BodyValidator(load_spec(settings.spec)),
    )


async def _read_body(request: Request) -> Any:
    """The body as the gateway reads it: forms for form content types, JSON for anything else."""
    content_type = request.headers.get("content-type")
    if not is_form(content_type):
        return parse_json(await read_body_once(request))
    if media_type(content_type) == "application/x-www-form-urlencoded":
        return parse_urlencoded(await request.body())
    try:
        form = await request.form()
    except Exception:  # python-multipart raises several types for a broken multipart body
        raise InvalidJson() from None
    return {
        name: ({"name": value.filename} if isinstance(value, UploadFile) else value)
        for name, value in form.multi_items()
    }


def _log(request: Request, status: int, elapsed_ms: float, model: str | None = None, path: str | None = None) -> None:
    """One line per request; ``path`` saves building ``request.url`` where the route fixes the path."""
    log.info("%s %s %d %.1fms model=%s", request.method, path or request.url.path, status, elapsed_ms, model or "-")


def create_app(settings: Settings | None = None, gateway: Gateway | None = None) -> Starlette:
    """The mock gateway as an ASGI app."""
    gateway = gateway or build_gateway(settings or Settings())

    async def ocr(request: Request) -> Response:
        answer = await gateway.ocr(request.headers, lambda: _read_body(request))
        upstream_ms = answer.body.get("meta", {}).get("generation_ms") if answer.status == 200 else None
        headers = {**answer.headers, "Server-Timing": server_timing(answer.elapsed_ms, upstream_ms)}
        _log(request, answer.status, answer.elapsed_ms, answer.model, path=request.scope["path"])
        return json_response(answer.status, answer.body, headers)

    async def welcome(request: Request) -> Response:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        _log(request, 200, 0.0)
        return json_response(200, {"message": WELCOME, "timestamp": now}, gateway=False)

    async def options(request: Request) -> Response:
        _log(request, 204, 0.0)
        return preflight()

    async def unknown(request: Request, exc: Exception) -> Response:
        _log(request, 404, 0.0)
        return not_found()

    app = Starlette(
        routes=[
            Route("/v1/ocr", ocr, methods=["POST"]),
            Route("/", welcome, methods=["GET"]),
            Route("/v1/{rest:path}", options, methods=["OPTIONS"]),
        ],
        exception_handlers={HTTPException: unknown},
    )
    app.router.redirect_slashes = False
    app.state.gateway = gateway
    app.state.started = time.time()
    return app
