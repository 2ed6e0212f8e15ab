"""Interception, the pytest-httpx way: calls the app makes to the gateway's public base URLs land on the mock.

While a test with ``@pytest.mark.ocr_gateway(intercept=True)`` (or ini ``ocr_gateway_intercept = true``) runs,
the transports of httpx (sync and async), requests and ``urllib.request`` send a request whose URL starts with
one of the intercepted base URLs to the mock instead; every other URL goes out untouched. Under a base URL only
``/ocr`` exists on the mock: any other path is refused without touching the network, and fails the test.
"""

from __future__ import annotations

import http
import http.client
import io
import sys
import urllib.error
import urllib.request
import urllib.response
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

PUBLIC_BASE_URLS = ("https://api.phaseo.app/v1", "https://eu.api.phaseo.app/v1", "https://us.api.phaseo.app/v1")
SERVED = "/ocr"  # the one route of the mock under a base URL
_PORTS = {"http": 80, "https": 443}


class NotServed(Exception):
    """A call to an intercepted base URL that the mock does not serve; it was not sent anywhere."""


@dataclass(frozen=True)
class Base:
    scheme: str
    host: str
    port: int
    path: str  # without the trailing slash

    @classmethod
    def parse(cls, url: str) -> Base:
        parts = urlsplit(url.strip())
        if parts.scheme not in _PORTS or not parts.hostname:
            raise ValueError(f"ocr_gateway_intercept_urls: {url!r} is not an http(s) base URL")
        return cls(parts.scheme, parts.hostname.lower(), parts.port or _PORTS[parts.scheme], parts.path.rstrip("/"))

    def rest(self, url: str) -> str | None:
        """The part of ``url`` after this base (``/ocr?x=1``), or None when ``url`` is not under it."""
        parts = urlsplit(url)
        if parts.scheme != self.scheme or (parts.hostname or "").lower() != self.host:
            return None
        if (parts.port or _PORTS.get(parts.scheme)) != self.port:
            return None
        if parts.path != self.path and not parts.path.startswith(f"{self.path}/"):
            return None
        rest = parts.path[len(self.path):]
        return f"{rest}?{parts.query}" if parts.query else rest


@dataclass
class Router:
    """Which URLs go to the mock, and where on it; remembers the calls it refused."""

    bases: Sequence[Base]
    mock_root: str  # the mock's URL for ``transport`` (the host is ignored in-process)
    refused: list[str] = field(default_factory=list)

    def target(self, method: str, url: str) -> str | None:
        """The mock's URL for an intercepted call; None for a URL that is not intercepted. Raises ``NotServed``."""
        for base in self.bases:
            rest = base.rest(url)
            if rest is None:
                continue
            if rest.split("?", 1)[0] != SERVED:
                message = (f"{method} {url} was intercepted and not sent: the OCR gateway mock serves only "
                           f"{base.scheme}://{base.host}{base.path}{SERVED}")
                self.refused.append(message)
                raise NotServed(message)
            return f"{self.mock_root}/v1{rest}"
        return None


class Interceptor:
    """Patches the clients' transports for one test; ``install()``, then ``uninstall()``."""

    def __init__(self, router: Router, transport: httpx.BaseTransport,
                 async_transport: httpx.AsyncBaseTransport) -> None:
        self.router = router
        self._transport = transport
        self._async_transport = async_transport
        self._undo: list[tuple[Any, str, Any]] = []

    # -- sending to the mock ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, headers: Iterable[tuple[str, str]], content: bytes) -> httpx.Response:
        request = httpx.Request(method, url, headers=list(headers), content=content)
        response = self._transport.handle_request(request)
        response.read()
        return response

    # -- the patches -------------------------------------------------------------------------------------

    def install(self) -> None:
        self._patch(httpx.HTTPTransport, "handle_request", self._httpx_sync)
        self._patch(httpx.AsyncHTTPTransport, "handle_async_request", self._httpx_async)
        # do_open, not http_open/https_open: an opener keeps the bound *_open methods of its handlers from when
        # it was built (urlopen's global one too), but looks do_open up at every call
        self._patch(urllib.request.AbstractHTTPHandler, "do_open", self._urllib)
        requests_adapters = _requests_adapters()
        if requests_adapters is not None:
            self._patch(requests_adapters.HTTPAdapter, "send", self._requests)

    def uninstall(self) -> None:
        while self._undo:
            owner, name, original = self._undo.pop()
            setattr(owner, name, original)

    def _patch(self, owner: Any, name: str, make: Any) -> None:
        original = getattr(owner, name)
        self._undo.append((owner, name, original))
        setattr(owner, name, make(original))

    def _httpx_sync(self, original: Any) -> Any:
        router, transport = self.router, self._transport

        def handle_request(transport_self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            target = _httpx_target(router, request)
            if target is None:
                return original(transport_self, request)  # type: ignore[no-any-return]
            forwarded = httpx.Request(request.method, target, headers=request.headers, content=request.read())
            response = transport.handle_request(forwarded)
            return httpx.Response(response.status_code, headers=response.headers, content=response.read(),
                                  request=request)

        return handle_request

    def _httpx_async(self, original: Any) -> Any:
        router, transport = self.router, self._async_transport

        async def handle_async_request(transport_self: httpx.AsyncHTTPTransport,
                                       request: httpx.Request) -> httpx.Response:
            target = _httpx_target(router, request)
            if target is None:
                return await original(transport_self, request)  # type: ignore[no-any-return]
            forwarded = httpx.Request(request.method, target, headers=request.headers, content=await request.aread())
            response = await transport.handle_async_request(forwarded)
            return httpx.Response(response.status_code, headers=response.headers, content=await response.aread(),
                                  request=request)

        return handle_async_request

    def _urllib(self, original: Any) -> Any:
        router, send = self.router, self._send

        def do_open(handler: urllib.request.AbstractHTTPHandler, http_class: Any, request: urllib.request.Request,
                    **connection_args: Any) -> Any:
            url, method = request.full_url, request.get_method()
            try:
                target = router.target(method, url)
            except NotServed as exc:
                raise urllib.error.URLError(str(exc)) from None
            if target is None:
                return original(handler, http_class, request, **connection_args)
            try:
                response = send(method, target, request.header_items(), _body_bytes(request.data))
            except httpx.TransportError as exc:
                raise urllib.error.URLError(f"the OCR gateway mock's connection broke: {exc}") from exc
            return _urllib_response(response, url)

        return do_open

    def _requests(self, original: Any) -> Any:
        router, send = self.router, self._send

        def send_(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            import requests

            method = request.method or "GET"
            try:
                target = router.target(method, request.url)
            except NotServed as exc:
                raise requests.ConnectionError(str(exc), request=request) from None
            if target is None:
                return original(adapter, request, *args, **kwargs)
            try:
                response = send(method, target, request.headers.items(), _body_bytes(request.body))
            except httpx.TransportError as exc:
                raise requests.ConnectionError(f"the OCR gateway mock's connection broke: {exc}",
                                               request=request) from exc
            return _requests_response(response, request)

        return send_


def _httpx_target(router: Router, request: httpx.Request) -> str | None:
    try:
        return router.target(request.method, str(request.url))
    except NotServed as exc:
        raise httpx.ConnectError(str(exc), request=request) from None


def _requests_adapters() -> Any:
    """``requests.adapters`` when requests is installed (imported here only when a test intercepts)."""
    if "requests" not in sys.modules:
        from importlib.util import find_spec

        if find_spec("requests") is None:
            return None
    import requests.adapters

    return requests.adapters


def _body_bytes(data: Any) -> bytes:
    if data is None:
        return b""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if hasattr(data, "read"):
        return bytes(data.read())
    return b"".join(bytes(chunk) for chunk in data)  # an iterable of chunks


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _urllib_response(response: httpx.Response, url: str) -> urllib.response.addinfourl:
    headers = http.client.HTTPMessage()
    for name, value in response.headers.multi_items():
        headers[name] = value
    answer = urllib.response.addinfourl(io.BytesIO(response.content), headers, url, response.status_code)
    answer.msg = _reason(response.status_code)  # type: ignore[attr-defined]  # urllib's error processor reads it
    return answer


def _requests_response(response: httpx.Response, request: Any) -> Any:
    import requests
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers

    answer = requests.Response()
    answer.status_code = response.status_code
    answer.headers = CaseInsensitiveDict(response.headers.multi_items())
    answer._content = response.content
    answer._content_consumed = True
    answer.raw = io.BytesIO(response.content)
    answer.reason = _reason(response.status_code)
    answer.url = request.url
    answer.request = request
    answer.encoding = get_encoding_from_headers(answer.headers)
    return answer


__all__ = ["PUBLIC_BASE_URLS", "Base", "Interceptor", "NotServed", "Router"]
