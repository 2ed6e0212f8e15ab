"""Deliberately broken mocks: each departs from the contract in one way, by wrapping or subclassing the real one.

Nothing here edits ``mockserver``: answers are rewritten by an ASGI middleware, or the ``Gateway`` is
subclassed, or it is built from another catalog.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.exchange import Exchange
from mockserver.gateway.parsing import InvalidJson
from mockserver.gateway.pipeline import Answer, Gateway
from mockserver.mock import Mock
from mockserver.resources import data_path
from mockserver.state.keys import Keyring
from mockserver.web.app import Settings, create_app

Rewrite = Callable[[int, Any, dict[str, str]], tuple[Any, dict[str, str]]]


class RewriteJson:
    """Passes each answer through ``rewrite(status, body, headers)``; bodies that are not JSON stay as they are."""

    def __init__(self, app: ASGIApp, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            raw = b"".join(chunks)
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
            try:
                body, headers = self.rewrite(start["status"], json.loads(raw), headers)
                raw = json.dumps(body).encode()
            except ValueError:
                body, headers = self.rewrite(start["status"], None, headers)
            headers["content-length"] = str(len(raw))
            await send({**start, "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]})
            await send({"type": "http.response.body", "body": raw})

        await self.app(scope, receive, capture)


def rewritten(rewrite: Rewrite) -> ASGIApp:
    return RewriteJson(create_app(Settings()), rewrite)


def wrong_envelope_key() -> ASGIApp:
    """Error bodies say ``code`` where the gateway says ``error``."""

    def rewrite(status: int, body: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        if isinstance(body, dict) and "error" in body:
            body["code"] = body.pop("error")
        return body, headers

    return rewritten(rewrite)


def missing_cors_header() -> ASGIApp:
    """No Access-Control-Allow-Origin on any answer."""

    def rewrite(status: int, body: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        headers.pop("access-control-allow-origin", None)
        return body, headers

    return rewritten(rewrite)


def wrong_pricing() -> ASGIApp:
    """Cents rounded up instead of floored: 0.2 cents billed as 1."""

    def rewrite(status: int, body: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        breakdown = body.get("usage", {}).get("pricing_breakdown") if isinstance(body, dict) else None
        if status == 200 and breakdown:
            breakdown["total_cents"] = math.ceil(breakdown["total_nanos"] / 10**7)
            if "cost_cents" in body:
                body["cost_cents"] = breakdown["total_cents"]
        return body, headers

    return rewritten(rewrite)


ReadBody = Callable[[], Awaitable[Any]]


class CrashOnBadJson(Gateway):
    """A body that is not JSON fails inside the gateway: 500 gateway_error instead of 400 invalid_json."""

    async def ocr(self, headers: Mapping[str, str], read_body: ReadBody) -> Answer:
        async def strict() -> Any:
            try:
                return await read_body()
            except InvalidJson:
                raise GatewayError("gateway_error", "Unexpected token in JSON") from None

        return await super().ocr(headers, strict)


class OpenDoor(Keyring):
    """Requests without an Authorization header get in."""

    def authenticate(self, authorization: str | None) -> str:
        if authorization is None:
            return "anonymous"
        return super().authenticate(authorization)


class BodyBeforeAuth(Gateway):
    """Reads (and rejects) the body before checking the key: a bad body with a bad key gets a 400, not a 401."""

    async def ocr(self, headers: Mapping[str, str], read_body: ReadBody) -> Answer:
        try:
            body = await read_body()
        except GatewayError as error:
            envelope = error.envelope("G-01K0Z3M8Q9R2T4V6X8Y0A2C4E6")
            return Answer(error.status, envelope, error.headers(), Exchange(), 0.0)

        async def parsed() -> Any:
            return body

        return await super().ocr(headers, parsed)


def _gateway(cls: type[Gateway], **overrides: Any) -> ASGIApp:
    mock = Mock(Settings())
    base = mock.gateway
    parts = {"keys": base.keys, "catalog": base.catalog, "validator": base.validator, "upstream": base.upstream,
             "release": base.release, **overrides}
    mock.gateway = cls(**parts)
    return create_app(mock=mock)


def server_error_on_bad_json() -> ASGIApp:
    return _gateway(CrashOnBadJson)


def accepts_missing_key() -> ASGIApp:
    return _gateway(Gateway, keys=OpenDoor())


def wrong_error_order() -> ASGIApp:
    return _gateway(BodyBeforeAuth)


def stale_catalog(directory: Path) -> ASGIApp:
    """The catalog of a release before mistral/ocr-4 existed."""
    document = yaml.safe_load(data_path("catalog.yaml").read_text(encoding="utf-8"))
    del document["models"]["mistral/ocr-4"]
    path = directory / "stale-catalog.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return create_app(Settings(catalog=path))


def zod3_messages() -> ASGIApp:
    """Type issues worded as zod 3 words them ("Required", "Expected string, received number"), the description
    kept in step: the gateway pins zod 4.4.3 (apps/api/package.json:55 at bff496d80), whose words differ."""

    def rewrite(status: int, body: Any, headers: dict[str, str]) -> tuple[Any, dict[str, str]]:
        if isinstance(body, dict) and body.get("error") == "validation_error" and body.get("details"):
            for detail in body["details"]:
                if detail.get("keyword") == "invalid_type":
                    expected, received = detail["message"].removeprefix("Invalid input: expected ").split(", received ")
                    detail["message"] = "Required" if received == "undefined" else f"Expected {expected}, {received}"
            first = body["details"][0]
            path = ".".join(map(str, first["path"]))
            body["description"] = f"{first['message']} at {path}" if path else first["message"]
        return body, headers

    return rewritten(rewrite)

@dataclass(frozen=True)
class Variant:
    name: str
    build: Callable[[Path], ASGIApp]
    check: str  # the check that must report it
    evidence: str  # found in that check's finding (title or message)
    # generated cases to run: a rule that only one catalog model breaks needs enough draws to reach it
    # (generation depends on hypothesis' version and its scan of the code, so 30 draws can miss it)
    generated_examples: int = 30


VARIANTS = [
    Variant("wrong envelope key", lambda _: wrong_envelope_key(), "error_envelope", "envelope keys missing"),
    Variant(
        "missing CORS header",
        lambda _: missing_cors_header(),
        "gateway_headers",
        "Access-Control-Allow-Origin is not the gateway's",
    ),
    Variant("500 on bad JSON", lambda _: server_error_on_bad_json(), "not_a_server_error", "Server error"),
    Variant(
        "accepting a missing key",
        lambda _: accepts_missing_key(),
        "ignored_auth",
        "API accepts requests without authentication",
    ),
    Variant("wrong error order", lambda _: wrong_error_order(), "check_order", "'json' checked before 'auth'"),
    Variant("wrong pricing", lambda _: wrong_pricing(), "pricing_arithmetic", "total_cents is not floored nanos"),
    Variant("stale catalog", stale_catalog, "semantic_acceptance", "mistral/ocr-4", generated_examples=300),
    Variant(
        "zod 3 messages",
        lambda _: zod3_messages(),
        "check_order",
        "validation details differ from zod's",
        # hypothesis also draws on constants it finds in the loaded modules, so which test files a run imports
        # moves the draws: 100 missed the rule in the full suite (with the pytest plugin's modules imported)
        generated_examples=300,
    ),
]
