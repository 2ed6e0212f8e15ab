"""The admin API under ``/_mock/`` (never under ``/v1``): health, reset, scripts, the journal, keys, coverage.

When the mock has an admin token, every admin request must carry it as ``Authorization: Bearer
<token>`` or ``X-Mock-Admin-Token``; the comparison is constant-time.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from mockserver.gateway.reading import ClientDisconnect, PayloadTooLarge, read_limited
from mockserver.resources import data_path
from mockserver.scripting.loader import FixtureError
from mockserver.state.stores import StoreUnavailable

if TYPE_CHECKING:
    from mockserver.mock import Mock

Handler = Callable[[Request], Awaitable[Response]]


def _json(status: int, body: Any) -> Response:
    return _encoded_json(status, orjson.dumps(body))


def _encoded_json(status: int, encoded: bytes) -> Response:
    return Response(encoded, status_code=status, media_type="application/json")


def _problem(status: int, error: str, message: str, problems: list[str] | None = None) -> Response:
    body: dict[str, Any] = {"error": error, "message": message}
    if problems is not None:
        body["problems"] = problems
    return _json(status, body)


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("x-mock-admin-token")
    if header is not None:
        return header
    authorization = request.headers.get("authorization", "")
    return authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None


async def _json_body(request: Request, limit: int) -> Any:
    try:
        return orjson.loads(await read_limited(request, limit))
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"the body is not JSON: {exc}") from None


def admin_routes(mock: Mock) -> list[BaseRoute]:
    admin = mock.admin

    def guarded(handler: Handler) -> Handler:
        async def checked(request: Request) -> Response:
            token = mock.settings.admin_token
            if token is not None:
                presented = _presented_token(request) or ""
                if not hmac.compare_digest(presented.encode(), token.encode()):
                    return _problem(401, "admin_token_required", "this mock's admin API needs its token")
            try:
                return await handler(request)
            except FixtureError as exc:
                return _problem(400, "invalid_fixture", "the script is not valid", [str(p) for p in exc.problems])
            except ValueError as exc:
                return _problem(400, "invalid_request", str(exc))
            except PayloadTooLarge as exc:
                return _problem(413, "payload_too_large", exc.description)
            except StoreUnavailable as exc:
                return _problem(503, "state_store_unavailable", str(exc))
            except ClientDisconnect:
                return Response(status_code=499)

        return checked

    async def health(request: Request) -> Response:
        up, body = admin.health()
        return _json(200 if up else 503, body)

    async def reset(request: Request) -> Response:
        keep = request.query_params.get("keep_coverage", "false").lower()
        if keep not in ("true", "false"):
            raise ValueError("keep_coverage must be true or false")
        admin.reset(keep_coverage=keep == "true")
        return _json(200, {"status": "reset"})

    async def coverage(request: Request) -> Response:
        return _json(200, mock.coverage.document())

    async def list_scripts(request: Request) -> Response:
        return _json(200, {"scripts": admin.scripts()})

    async def add_scripts(request: Request) -> Response:
        body = await _json_body(request, mock.settings.max_body_bytes)
        return _json(201, {"scripts": admin.add_scripts(body)})

    async def delete_scripts(request: Request) -> Response:
        admin.clear_scripts()
        return Response(status_code=204)

    async def delete_script(request: Request) -> Response:
        script_id = request.path_params["script_id"]
        if admin.remove_script(script_id):
            return Response(status_code=204)
        return _problem(404, "not_found", f"no script with id {script_id!r}")

    async def list_requests(request: Request) -> Response:
        model = request.query_params.get("model")
        status_text = request.query_params.get("status")
        if status_text is not None and not status_text.isdigit():
            raise ValueError("status must be a number")
        return _encoded_json(200, admin.requests_encoded(model=model, status=int(status_text) if status_text else None))

    async def clear_requests(request: Request) -> Response:
        admin.clear_requests()
        return Response(status_code=204)

    async def get_keys(request: Request) -> Response:
        return _json(200, {"keys": admin.keys()})

    async def put_keys(request: Request) -> Response:
        body = await _json_body(request, mock.settings.max_body_bytes)
        if not isinstance(body, dict) or not isinstance(body.get("keys"), list) or set(body) != {"keys"}:
            raise ValueError('expected {"keys": [...]}')
        return _json(200, {"keys": admin.put_keys(body["keys"])})

    async def openapi(request: Request) -> Response:
        return Response(data_path("admin-openapi.yaml").read_bytes(), media_type="application/yaml")

    routes: list[tuple[str, Handler, list[str]]] = [
        ("/_mock/health", health, ["GET"]),
        ("/_mock/reset", reset, ["POST"]),
        ("/_mock/scripts", list_scripts, ["GET"]),
        ("/_mock/scripts", add_scripts, ["POST"]),
        ("/_mock/scripts", delete_scripts, ["DELETE"]),
        ("/_mock/scripts/{script_id}", delete_script, ["DELETE"]),
        ("/_mock/requests", list_requests, ["GET"]),
        ("/_mock/requests", clear_requests, ["DELETE"]),
        ("/_mock/keys", get_keys, ["GET"]),
        ("/_mock/keys", put_keys, ["PUT"]),
        ("/_mock/coverage", coverage, ["GET"]),
        ("/_mock/openapi.yaml", openapi, ["GET"]),
    ]
    return [Route(path, guarded(handler), methods=methods) for path, handler, methods in routes]
