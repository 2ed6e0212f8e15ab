"""The proxy's admin API: the parts of ``serve``'s that mean the same here (health, the journal, this
document) and ``/_mock/deviations``. Guarded by the admin token like ``serve``'s."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockserver.resources import data_path
from mockserver.web.admin import _presented_token

if TYPE_CHECKING:
    from mockserver.proxy.app import Proxy

Handler = Callable[[Request], Awaitable[Response]]


def _json(status: int, body: Any) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def admin_routes(proxy: Proxy) -> list[BaseRoute]:
    config = proxy.config

    def guarded(handler: Handler) -> Handler:
        async def checked(request: Request) -> Response:
            token = config.admin_token
            if token is not None:
                presented = _presented_token(request) or ""
                if not hmac.compare_digest(presented.encode(), token.encode()):
                    return _json(401, {"error": "admin_token_required",
                                       "message": "this proxy's admin API needs its token"})
            return await handler(request)

        return checked

    async def health(request: Request) -> Response:
        return _json(200, proxy.health())

    async def list_requests(request: Request) -> Response:
        model = request.query_params.get("model")
        status_text = request.query_params.get("status")
        if status_text is not None and not status_text.isdigit():
            return _json(400, {"error": "invalid_request", "message": "status must be a number"})
        entries = proxy.journal.entries(model=model, status=int(status_text) if status_text else None)
        listed = [{**entry.to_json(), "expected": proxy.expected.get(entry.id),
                   "deviations": [d.to_json() for d in proxy.deviations.for_request(entry.id)]} for entry in entries]
        return _json(200, {"requests": listed, "dropped": proxy.journal.dropped, "limit": proxy.journal.limit})

    async def clear_requests(request: Request) -> Response:
        proxy.journal.clear()
        return Response(status_code=204)

    async def list_deviations(request: Request) -> Response:
        items = proxy.deviations.items(check=request.query_params.get("check"))
        return _json(200, {"deviations": [item.to_json() for item in items], "total": proxy.deviations.total,
                           "dropped": proxy.deviations.dropped, "target": config.target_url,
                           "release": config.release})

    async def clear_deviations(request: Request) -> Response:
        proxy.deviations.clear()
        return Response(status_code=204)

    async def openapi(request: Request) -> Response:
        return Response(data_path("admin-openapi.yaml").read_bytes(), media_type="application/yaml")

    async def not_here(request: Request) -> Response:
        return _json(404, {"error": "not_found", "message": f"{request.url.path} is not part of the proxy's admin API "
                                                            "(scripts and keys belong to ocr-mock serve)"})

    return [
        Route("/_mock/health", guarded(health), methods=["GET"]),
        Route("/_mock/requests", guarded(list_requests), methods=["GET"]),
        Route("/_mock/requests", guarded(clear_requests), methods=["DELETE"]),
        Route("/_mock/deviations", guarded(list_deviations), methods=["GET"]),
        Route("/_mock/deviations", guarded(clear_deviations), methods=["DELETE"]),
        Route("/_mock/openapi.yaml", guarded(openapi), methods=["GET"]),
        Route("/_mock/{rest:path}", not_here, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
    ]
