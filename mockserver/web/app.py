"""The ASGI application: the gateway's routes, and the admin API under ``/_mock/``."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mockserver.gateway.exchange import Exchange
from mockserver.gateway.headers import FetchHeaders
from mockserver.gateway.ids import new_generation_id
from mockserver.gateway.models_listing import ModelsListing
from mockserver.gateway.parsing import InvalidJson, form_kind, media_type, parse_json, parse_urlencoded
from mockserver.gateway.pipeline import store_error
from mockserver.gateway.reading import (
    BodyLimit,
    ClientDisconnect,
    PayloadTooLarge,
    declared_length,
    read_limited,
    read_multipart,
)
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.stores import StoreUnavailable
from mockserver.web.admin import admin_routes
from mockserver.web.faults import FaultyResponse
from mockserver.web.http import json_response, not_found, preflight, timing_headers, welcome_response
from mockserver.web.paths import ExactPaths

log = logging.getLogger("ocr_mock")

CLIENT_CLOSED = 499  # the journal's status for a request whose client left before sending its body

__all__ = ["Settings", "create_app"]


async def _read_body(request: Request, limits: BodyLimit, forms: Mapping[str, Any]) -> Any:
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


LOGGED_CHARACTERS = 200


def _loggable(value: str) -> str:
    """A caller's value in the log line: control characters escaped (no forged lines), long values cut."""
    if len(value) <= LOGGED_CHARACTERS and value.isprintable():
        return value
    cut = value[:LOGGED_CHARACTERS].encode("unicode_escape", "backslashreplace").decode("ascii")
    return cut + ("..." if len(value) > LOGGED_CHARACTERS else "")


def create_app(settings: Settings | None = None, mock: Mock | None = None) -> Starlette:
    """The mock gateway as an ASGI app (``mock`` lets a caller keep a handle on its state)."""
    mock = mock or Mock(settings)
    release = mock.release
    limits = BodyLimit(mock.settings.max_body_bytes, release.body_limit(False), release.body_limit(True))
    cors = release.cors_headers
    forms = release.get("forms")

    def finish(request: Request, status: int, elapsed_ms: float, exchange: Exchange | None = None,
               response_body: Any = None) -> None:
        """The log line and the journal entry of one request."""
        exchange = exchange or Exchange()
        model = exchange.model
        path = request.scope["path"]  # request.url decodes the query string as UTF-8, which may fail
        log.info("%s %s %d %.1fms model=%s", request.method, _loggable(path), status, elapsed_ms,
                 _loggable(model) if model else "-")
        mock.journal.record(
            method=request.method, path=path, headers=request.headers,
            body=exchange.body if exchange.body_read else None, status=status, latency_ms=elapsed_ms,
            model=model, script=exchange.script_id, nearest=exchange.nearest, response=response_body,
            answered_by=exchange.answered_by, body_size=declared_length(request),
        )

    async def ocr(request: Request) -> Response:
        started = time.perf_counter()
        try:
            fetch_headers = FetchHeaders(request.headers.items())
            answer = await mock.gateway.ocr(fetch_headers, lambda: _read_body(request, limits, forms))
        except ClientDisconnect:  # gone mid-body: nobody to answer; 499 as nginx notes it
            finish(request, CLIENT_CLOSED, (time.perf_counter() - started) * 1000)
            return Response(status_code=CLIENT_CLOSED)
        headers = {**answer.headers, **timing_headers(answer.exchange.server_timing())}
        finish(request, answer.status, answer.elapsed_ms, answer.exchange, answer.body)
        mock.coverage.count(answer.exchange)
        response = json_response(answer.status, answer.body, headers, cors=cors)
        if answer.exchange.fault is not None:
            return FaultyResponse(response, answer.exchange.fault)
        return response

    listing_rules = release.get("models_listing")  # None: the release serves no GET /v1/models (a 404)
    listing = ModelsListing(listing_rules) if listing_rules else None

    async def models(request: Request) -> Response:
        assert listing is not None
        started = time.perf_counter()
        answer = listing.answer(request.scope["query_string"], request.headers.get("authorization"), mock.gateway)
        finish(request, answer.status, (time.perf_counter() - started) * 1000, response_body=answer.body)
        if answer.body is None:
            return not_found(request.scope["path"], cors)
        return json_response(answer.status, answer.body, answer.headers, cors=cors)

    async def welcome(request: Request) -> Response:
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {"message": release.welcome, "timestamp": now}
        finish(request, 200, 0.0, response_body=body)
        return welcome_response(body)

    async def options(request: Request) -> Response:
        finish(request, 204, 0.0)
        return preflight(cors)

    async def unknown(request: Request, exc: Exception) -> Response:
        finish(request, 404, 0.0)
        return not_found(request.scope["path"], cors)

    async def store_down(request: Request, exc: Exception) -> Response:
        """The store failed after the gateway answered (the journal write): the caller gets the 503, never
        an answer that was not journaled."""
        assert isinstance(exc, StoreUnavailable)
        log.warning("%s %s 503 %s", request.method, _loggable(request.scope["path"]), exc)
        error = store_error(exc)
        return json_response(error.status, error.envelope(new_generation_id()), error.headers())

    app = Starlette(
        routes=[
            Route("/v1/ocr", ocr, methods=["POST"]),
            *([Route("/v1/models", models, methods=["GET"])] if listing else []),
            Route("/", welcome, methods=["GET"]),
            Route("/v1", options, methods=["OPTIONS"]),
            Route("/v1/{rest:path}", options, methods=["OPTIONS"]),
            *admin_routes(mock),
        ],
        exception_handlers={HTTPException: unknown, StoreUnavailable: store_down},
        middleware=[Middleware(ExactPaths)],
    )
    app.router.redirect_slashes = False
    app.state.mock = mock
    return app
