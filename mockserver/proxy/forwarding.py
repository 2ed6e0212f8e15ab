"""The hop to the target: which headers go on, the bearer swap, and what a failed hop is called.

Hop-by-hop headers (RFC 9110 section 7.6.1) and those httpx sets itself are not copied; the answer
comes back decoded (httpx undoes any content coding), so ``Content-Encoding`` and ``Content-Length`` are
dropped from it and recomputed for the client.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from mockserver.gateway.auth import BEARER, HTTP_WHITESPACE, KEY_FORMAT

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding",
    "upgrade", "host", "content-length",
})
NOT_RETURNED = HOP_BY_HOP | {"content-encoding", "date", "server"}


@dataclass(frozen=True)
class Sent:
    """The request as it goes to the target (with the proxy's key, when it swapped one in)."""

    method: str
    path: str  # with the query string, as the client sent it
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Received:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class TargetFailure(Exception):
    """The target did not answer: unreachable, refused, timed out, or broke the connection."""


def outgoing_headers(headers: Iterable[tuple[str, str]], api_key: str | None) -> list[tuple[str, str]]:
    """The client's headers for the target; a well-formed bearer key is replaced by ``api_key``.

    A missing or malformed ``Authorization`` is forwarded as it is: the target must refuse it as the
    contract says, and the proxy's key must never turn a refused request into a billed one."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in HOP_BY_HOP:
            continue
        if lower == "authorization" and api_key is not None:
            token = value.strip(HTTP_WHITESPACE)
            if token.startswith(BEARER) and KEY_FORMAT.match(token[len(BEARER):].strip()):
                value = f"{BEARER}{api_key}"
        out.append((name, value))
    return out


def returned_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if name.lower() not in NOT_RETURNED]


class Forwarder:
    def __init__(self, base_url: str, timeout_s: float, *, trust_env: bool) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), follow_redirects=False,
                                         trust_env=trust_env)

    def url_for(self, path: str) -> str:
        """``base_url`` names the target's /v1 (as ``--target`` does); the request's path already has it."""
        root = self.base_url.removesuffix("/v1")
        return root + path

    async def send(self, sent: Sent) -> Received:
        try:
            response = await self._client.request(sent.method, self.url_for(sent.path), headers=sent.headers,
                                                   content=sent.body)
        except httpx.TimeoutException:
            raise TargetFailure(f"did not answer within {self.timeout_s:g} s (--target-timeout)") from None
        except httpx.ConnectError as exc:
            raise TargetFailure(f"could not be reached ({_cause(exc)})") from None
        except httpx.HTTPError as exc:
            raise TargetFailure(f"broke off the exchange ({type(exc).__name__}: {_cause(exc)})") from None
        return Received(response.status_code, returned_headers(response.headers.multi_items()), response.content)

    async def close(self) -> None:
        await self._client.aclose()


def _cause(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__
