"""The ASGI application: the gateway's routes, and the admin API under ``/_mock/``."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from mockserver.gateway.exchange import Exchange
from mockserver.gateway.headers import FetchHeaders
from mockserver.gateway.isotime import iso_now
from mockserver.gateway.models_listing import ModelsListing
from mockserver.gateway.reading import BodyLimit, ClientDisconnect, declared_length
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.stores import StoreUnavailable
from mockserver.web.admin import admin_routes
from mockserver.web.faults import FaultyResponse
from mockserver.web.http import (
    CLIENT_CLOSED,
    json_response,
    not_found,
    preflight,
    store_down_response,
    timing_headers,
    welcome_response,
)
from mockserver.web.lean import LeanOcr, serves
from mockserver.web.logline import LOGGER_NAME, MESSAGE, message_args
from mockserver.web.paths import ExactPaths
from mockserver.web.request_body import read_body

log = logging.getLogger(LOGGER_NAME)


__all__ = ["Settings", "create_app"]


class GatewayApp(Starlette):
    """Starlette, with ``POST /v1/ocr`` answered by the lean path (web/lean.py) before the middleware stack."""

    lean: LeanOcr | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.lean is not None and serves(scope):
            await self.lean(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, mock: Mock | None = None, *, lean: bool = True) -> Starlette:
    """The mock gateway as an ASGI app (``mock`` lets a caller keep a handle on its state). ``lean=False``
    answers ``POST /v1/ocr`` through Starlette's route too: the reference the lean path is tested against."""
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
        log.info(MESSAGE, *message_args(request.method, path, status, elapsed_ms, model))
        mock.journal.record(
            method=request.method, path=path, headers=request.headers,
            body=exchange.body if exchange.body_read else None, status=status, latency_ms=elapsed_ms,
            model=model, script=exchange.script_id, nearest=exchange.nearest.found(), response=response_body,
            answered_by=exchange.answered_by, body_size=declared_length(request),
        )

    async def ocr(request: Request) -> Response:
        started = time.perf_counter()
        try:
            fetch_headers = FetchHeaders(request.headers.items())
            answer = await mock.gateway.ocr(fetch_headers, lambda: read_body(request, limits, forms))
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
        body = {"message": release.welcome, "timestamp": iso_now()}
        finish(request, 200, 0.0, response_body=body)
        return welcome_response(body)

    async def options(request: Request) -> Response:
        finish(request, 204, 0.0)
        return preflight(cors)

    async def unknown(request: Request, exc: Exception) -> Response:
        finish(request, 404, 0.0)
        return not_found(request.scope["path"], cors)

    async def store_down(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StoreUnavailable)
        return store_down_response(request.method, request.scope["path"], exc)

    app = GatewayApp(
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
    if lean:
        app.lean = LeanOcr(mock, limits, forms, cors)
    return app
