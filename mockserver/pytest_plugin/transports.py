"""httpx transports straight into the mock's ASGI app: no socket, no port, no network.

A connection fault the app cannot act out without a socket (``drop``, ``truncate``) reaches the client as
``httpx.RemoteProtocolError``, the error httpx raises for the same fault over a real connection.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

import httpx
from starlette.types import ASGIApp

from mockserver.web.faults import DroppedConnection

T = TypeVar("T")


class Runner(Protocol):
    def run(self, coroutine: Coroutine[Any, Any, T]) -> T: ...


class InProcessAsyncTransport(httpx.AsyncBaseTransport):
    """For ``httpx.AsyncClient``: the app runs in the caller's event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self._asgi = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._asgi.handle_async_request(request)
        except DroppedConnection as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc


class InProcessTransport(httpx.BaseTransport):
    """For ``httpx.Client`` (and so any sync code built on it): the app runs on the plugin's event loop thread,
    so this works from sync tests and from inside a running event loop alike."""

    def __init__(self, app: ASGIApp, runner: Runner) -> None:
        self._async = InProcessAsyncTransport(app)
        self._runner = runner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        content = request.read()

        async def send() -> tuple[int, httpx.Headers, bytes]:
            copy = httpx.Request(request.method, request.url, headers=request.headers, content=content)
            response = await self._async.handle_async_request(copy)
            return response.status_code, response.headers, await response.aread()

        try:
            status, headers, body = self._runner.run(send())
        except httpx.RemoteProtocolError as exc:
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        return httpx.Response(status, headers=headers, content=body, request=request)


class SharedTransport(httpx.BaseTransport):
    """A real HTTP transport that short-lived clients share: closing a client leaves the pool open, so the
    session's tests reuse keep-alive connections to its server instead of connecting once per test."""

    def __init__(self) -> None:
        self._pool = httpx.HTTPTransport(verify=False)  # plain HTTP to the mock: no certificates to load

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._pool.handle_request(request)

    def close(self) -> None:
        pass  # a client is done with it; the session is not

    def shutdown(self) -> None:
        self._pool.close()
