"""Response headers and encoding, shared by every route."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Authorization, Content-Type, x-title, http-referer, x-app-id, x-app-name, x-gateway-debug, "
        "X-AIStats-Strictness, x-aistats-cache-revalidate"
    ),
    "Access-Control-Max-Age": "86400",
}

GATEWAY_HEADERS = {**CORS_HEADERS, "Cache-Control": "no-store", "Timing-Allow-Origin": "*"}

NOT_FOUND_BODY = b"404 Not Found"
NOT_FOUND_TYPE = "text/plain; charset=UTF-8"


def json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None, *, gateway: bool = True,
    cors: Mapping[str, str] = CORS_HEADERS,
) -> Response:
    """A JSON response with the CORS headers (the release's); ``gateway`` adds the headers of every OCR answer."""
    base = {**cors, "Cache-Control": "no-store", "Timing-Allow-Origin": "*"} if gateway else cors
    return Response(
        orjson.dumps(body),
        status_code=status,
        headers={**base, **headers} if headers else base,
        media_type="application/json",
    )


def not_found(cors: Mapping[str, str] = CORS_HEADERS) -> Response:
    headers = {**cors, "Content-Type": NOT_FOUND_TYPE}
    return Response(NOT_FOUND_BODY, status_code=404, headers=headers)


def preflight(cors: Mapping[str, str] = CORS_HEADERS) -> Response:
    return Response(status_code=204, headers=dict(cors))


def server_timing(total_ms: float, upstream_ms: float | None = None) -> str:
    parts = [] if upstream_ms is None else [f"upstream;dur={upstream_ms:.1f}"]
    parts.append(f"total;dur={total_ms:.1f}")
    return ", ".join(parts)
