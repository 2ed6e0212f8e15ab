"""Routes and headers: what every response of the mock looks like on the wire."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.gateway.errors import GatewayError, error_table
from tests.helpers import CORS, post_ocr

IMAGE = "https://example.com/a.png"
# pipeline/telemetry/timer.ts L59-82 (bff496d80): "name;dur=<ms, 3 decimals>" joined with ", ".
TIMING = re.compile(r"^[A-Za-z_0-9]+;dur=\d+\.\d{3}(, [A-Za-z_0-9]+;dur=\d+\.\d{3})*$")


def gateway_headers(response: Any) -> dict[str, str]:
    headers = dict(response.headers)
    assert TIMING.match(headers.pop("server-timing"))
    headers.pop("content-length")
    return headers


def test_success_headers(client: TestClient) -> None:
    response = post_ocr(client, {"model": "mistral/ocr-3", "image": IMAGE})
    assert gateway_headers(response) == {
        **CORS,
        "content-type": "application/json",
        "cache-control": "no-store",
        "timing-allow-origin": "*",
    }


@pytest.mark.parametrize(
    ("body", "auth", "status"),
    [
        ({"model": "mistral/ocr-3", "image": IMAGE}, "Bearer nope", 401),
        ({}, None, 400),
        ({"model": "acme/x", "image": IMAGE}, None, 400),
    ],
)
def test_error_headers(client: TestClient, body: dict[str, Any], auth: str | None, status: int) -> None:
    headers = {"Authorization": auth} if auth else {}
    response = post_ocr(client, body, headers=headers)
    assert response.status_code == status
    assert gateway_headers(response) == {
        **CORS,
        "content-type": "application/json",
        "cache-control": "no-store",
        "timing-allow-origin": "*",
        "x-gateway-error-attribution": "user",
        "x-gateway-error-origin": "user",
    }


@pytest.mark.parametrize(
    ("code", "status", "error_type", "origin", "attribution"),
    [
        ("unauthorised", 401, "user", "user", "user"),
        ("invalid_json", 400, "user", "user", "user"),
        ("validation_error", 400, "user", "user", "user"),
        ("model_required", 400, "user", "user", "user"),
        ("key_limit_exceeded", 429, "system", "user", "upstream"),
        ("unsupported_model_or_endpoint", 400, "user", "user", "user"),
        ("insufficient_funds", 402, "system", "user", "upstream"),
        ("upstream_error", 502, "system", "upstream", "upstream"),
        ("provider_payment_required", 502, "system", "upstream", "upstream"),
        ("gateway_error", 500, "system", "gateway", "upstream"),
        ("pipeline_execution_error", 500, "system", "gateway", "upstream"),
        ("payload_too_large", 413, "user", "user", "user"),  # the mock's body limit (later gateway releases)
    ],
)
def test_error_table(code: str, status: int, error_type: str, origin: str, attribution: str) -> None:
    error = GatewayError(code, "text")
    assert error.envelope("G-01K0Z3M8Q9R2T4V6X8Y0A2C4E6") == {
        "generation_id": "G-01K0Z3M8Q9R2T4V6X8Y0A2C4E6",
        "status_code": status,
        "error": code,
        "error_type": error_type,
        "error_origin": origin,
        "description": "text",
    }
    assert error.headers() == {"X-Gateway-Error-Attribution": attribution, "X-Gateway-Error-Origin": origin}


def test_the_error_table_has_exactly_the_contract_codes_and_the_body_limit() -> None:
    assert len(error_table()) == 12


def test_provider_payment_required_names_the_provider() -> None:
    error = GatewayError("provider_payment_required", fill={"provider": "mistral"})
    assert error.description == (
        "Oops, we forgot to pay our provider bills (mistral). "
        "Please let us know on GitHub or Discord if you see this error."
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/ocr/"),
        ("GET", "/v1/ocr"),
        ("PUT", "/v1/ocr"),
        ("DELETE", "/v1/ocr"),
        ("POST", "/v1/OCR"),
        ("POST", "/ocr"),
        ("POST", "/v2/ocr"),
        ("GET", "/v1/models"),
        ("POST", "/"),
        ("OPTIONS", "/"),
        ("GET", "/v1/ocr%2F"),
    ],
)
def test_everything_else_is_the_plain_text_404(client: TestClient, method: str, path: str) -> None:
    """routes/v1/index.ts L24-46 (bff496d80): the CORS middleware covers ``/v1`` and ``/v1/*`` only."""
    response = client.request(method, path, headers={"Authorization": "Bearer aistats_v1_sk_abcdef_x"})
    assert response.status_code == 404
    assert response.content == b"404 Not Found"
    headers = dict(response.headers)
    headers.pop("content-length")
    cors = CORS if path == "/v1" or path.startswith("/v1/") else {}
    assert headers == {**cors, "content-type": "text/plain; charset=UTF-8"}


@pytest.mark.parametrize("path", ["/v1/ocr", "/v1/anything/else", "/v1/ocr/", "/v1", "/v1/"])
def test_options_is_a_204_with_cors_only(client: TestClient, path: str) -> None:
    response = client.options(path, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.content == b""
    assert dict(response.headers) == CORS


def test_root_welcomes(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == (
        "Welcome to the AI Stats Gateway API! Documentation is available at https://docs.ai-stats.phaseo.app"
    )
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", body["timestamp"])
    assert response.headers["content-type"] == "application/json"
    # routes/root.ts L14-23, lib/safe-json.ts L49-51 (bff496d80): two-space indentation, no CORS, no
    # Cache-Control.
    assert response.text == json.dumps(body, indent=2, ensure_ascii=False)
    assert set(response.headers) == {"content-type", "content-length"}


def test_head_root_has_the_get_headers_and_no_body(client: TestClient) -> None:
    """index.ts L18-21 (bff496d80): Hono answers HEAD with the GET route, body dropped."""
    response = client.head("/")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "application/json"
    assert "access-control-allow-origin" not in response.headers


def test_head_ocr_is_a_404_with_cors(client: TestClient) -> None:
    response = client.head("/v1/ocr")
    assert response.status_code == 404
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == "*"


def test_no_request_id_header(client: TestClient) -> None:
    response = post_ocr(client, {"model": "mistral/ocr-3", "image": IMAGE})
    assert not [name for name in response.headers if "request-id" in name.lower()]
    assert "retry-after" not in response.headers
