"""A successful OCR call: the body, pricing, and the debug options."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.gateway.ids import GENERATION_ID
from tests.helpers import ROUTING_META, TINY_PNG_B64, post_ocr

MODEL = "mistral/ocr-3"
IMAGE = "https://example.com/invoice.png"

LINE = {
    "dimension": "input_pages",
    "quantity": 1,
    "billable_units": 0.001,
    "unit_size": 1000,
    "unit_price_usd": "2.000000000",
    "line_cost_usd": "0.002000000",
    "line_nanos": 2000000,
    "billing_timestamp_basis": "request_start",
    "billing_timestamp_basis_configured": "request_start",
    "pricing_time_window": None,
}


def ok(client: TestClient, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = post_ocr(client, body, **kw)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_success_body_is_exactly_the_gateways(client: TestClient) -> None:
    body = ok(client, {"model": MODEL, "image": IMAGE})
    generation_id = body.pop("id")
    assert GENERATION_ID.match(generation_id)
    assert body.pop("requestId") == generation_id
    text = body.pop("text")
    assert text.startswith("# Mock OCR document ")
    meta = body.pop("meta")
    # execute/index.ts L553-565, after/timing.ts L27-46 (bff496d80): the built-in answer takes no time,
    # so generation_ms is 0, throughput_tps null and end_to_end_ms = latency_ms.
    assert meta == {"throughput_tps": None, "generation_ms": 0, "latency_ms": 0, "end_to_end_ms": 0}
    assert body == {
        "object": "ocr",
        "model": "mistral-ocr-2512",
        "provider": "mistral",
        "usage": {
            "input_tokens": 0,
            "output_tokens": 0,
            "total_tokens": 0,
            "pricing_breakdown": {
                "total_nanos": 2000000,
                "total_usd_str": "0.002",
                "total_cents": 0,
                "currency": "USD",
                "lines": [LINE],
            },
        },
        "nativeResponseId": None,
        "cost_nanos": 2000000,
        "cost_cents": 0,
        "currency": "USD",
        "pricing_lines": [LINE],
    }


def test_each_call_has_a_new_id(client: TestClient) -> None:
    first = ok(client, {"model": MODEL, "image": IMAGE})["id"]
    assert ok(client, {"model": MODEL, "image": IMAGE})["id"] != first


def test_default_document_is_deterministic(client: TestClient) -> None:
    request = {"model": MODEL, "image": IMAGE}
    assert ok(client, request)["text"] == ok(client, request)["text"]
    assert ok(client, {"model": MODEL, "image": IMAGE + "?2"})["text"] != ok(client, request)["text"]


@pytest.mark.parametrize(
    "body",
    [
        {"echo_upstream_request": True},
        {"debug": {"return_upstream_request": True}},
        {"debug": {"returnUpstreamRequest": True}},
        {"echo_upstream_request": False, "debug": {"return_upstream_request": True}},
    ],
)
def test_upstream_request_is_a_json_string(client: TestClient, body: dict[str, Any]) -> None:
    result = ok(client, {"model": MODEL, "image": IMAGE, **body})
    assert result["upstream_request"] == '{"model":"mistral-ocr-2512","image":"https://example.com/invoice.png"}'


def test_upstream_request_shows_the_image_as_the_client_sent_it_and_the_language(client: TestClient) -> None:
    """surfaces/non-text.ts L229-235, adapter-bridge.ts L284-291 (bff496d80): the client's ``image``
    verbatim (no data-URL prefix, not trimmed); ``language`` whenever given, even empty."""
    image = f" {TINY_PNG_B64}\n"
    result = ok(client, {"model": MODEL, "image": image, "language": "", "echo_upstream_request": True})
    assert json.loads(result["upstream_request"]) == {"model": "mistral-ocr-2512", "image": image, "language": ""}


def test_explicit_false_wins_over_echo(client: TestClient) -> None:
    result = ok(client, {"model": MODEL, "image": IMAGE, "echo_upstream_request": True,
                         "debug": {"return_upstream_request": False}})
    assert "upstream_request" not in result


def test_no_debug_fields_by_default(client: TestClient) -> None:
    result = ok(client, {"model": MODEL, "image": IMAGE, "debug": {"trace": True, "trace_level": "full"}})
    assert not {"upstream_request", "upstream_response", "routing_diagnostics", "pages"} & result.keys()
    assert "routing" not in result["meta"]


def test_upstream_response_carries_the_provider_pages(client: TestClient) -> None:
    data_url = f"data:image/png;base64,{TINY_PNG_B64}"
    result = ok(client, {"model": MODEL, "image": data_url, "debug": {"return_upstream_response": True}})
    upstream = result["upstream_response"]
    assert upstream == {
        "text": result["text"],
        "model": "mistral-ocr-2512",
        "usage": {"requests": 1, "input_pages": 1, "pages_processed": 1, "doc_size_bytes": 68},
        "rawResponse": {
            "pages": [
                {"index": 0, "markdown": result["text"], "images": [],
                 "dimensions": {"dpi": 200, "height": 2200, "width": 1700}}
            ],
            "model": "mistral-ocr-2512",
            "document_annotation": None,
            "usage_info": {"pages_processed": 1, "doc_size_bytes": 68},
        },
    }


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ({"debug": {"enabled": True}}, {}),
        ({}, {"x-gateway-debug": "true"}),
        ({}, {"x-gateway-debug": "1"}),
        ({}, {"x-gateway-debug": "yes"}),
    ],
)
def test_debug_adds_routing(client: TestClient, body: dict[str, Any], headers: dict[str, str]) -> None:
    result = ok(client, {"model": MODEL, "image": IMAGE, **body}, headers=headers)
    assert result["meta"]["routing"] == ROUTING_META
    assert result["routing_diagnostics"]["workspacePolicy"]["resolvedModel"] == MODEL
    assert result["routing_diagnostics"]["rankedProviders"][0]["providerId"] == "mistral"


def test_other_debug_header_values_do_nothing(client: TestClient) -> None:
    result = ok(client, {"model": MODEL, "image": IMAGE}, headers={"x-gateway-debug": "on"})
    assert "routing_diagnostics" not in result


def test_debug_header_adds_debug_to_errors_but_body_flags_do_not(client: TestClient) -> None:
    """core/error-handler.ts L661-671, L871-893 (bff496d80): before the provider call, the internal error
    body and nulls."""
    with_header = post_ocr(client, {"model": "nope/nope", "image": IMAGE}, headers={"x-gateway-debug": "1"}).json()
    assert with_header["debug"]["upstream"]["reason"] == "model_not_found_or_inactive"
    assert with_header["debug"]["routing"] is None
    with_flag = post_ocr(client, {"model": "nope/nope", "image": IMAGE, "debug": {"enabled": True}}).json()
    assert "debug" not in with_flag


def test_the_routing_diagnostics_are_the_same_on_every_request(client: TestClient) -> None:
    """Worked out once per model and provider and shared (routing.DefaultRoutes): a provider failure that carries
    them, in between, changes nothing in the next answer's."""
    debug = {"model": MODEL, "image": IMAGE, "debug": {"enabled": True}}
    first = ok(client, debug)["routing_diagnostics"]
    added = client.post("/_mock/scripts", json={"model": MODEL, "upstream": {"status": 503}, "times": 1})
    assert added.status_code == 201, added.text
    failed = post_ocr(client, debug)
    assert failed.status_code == 502
    assert failed.json()["routing_diagnostics"] == first
    assert ok(client, debug)["routing_diagnostics"] == first
    assert ok(client, {"model": MODEL, "image": IMAGE, "provider": {"only": ["mistral"]}, "debug": {"enabled": True}}
              )["routing_diagnostics"]["workspacePolicy"]["requestProviderOnly"] == ["mistral"]
    assert ok(client, debug)["routing_diagnostics"] == first


@pytest.mark.parametrize("size", [4, 65_496, 65_500, 200_000])  # the hashed text: up to 65,534 and from 65,538
def test_the_default_answer_is_derived_from_the_model_the_image_and_the_language(client: TestClient,
                                                                                  size: int) -> None:
    """The mock's choice (README, "The default answer"): the text names the SHA-256 of the model, the image and the
    language joined by NUL, whichever way the image is hashed (short texts at once, long ones a slice at a time)."""
    image = ("QUJD" * (size // 4 + 1))[:size]
    body = ok(client, {"model": MODEL, "image": image, "language": "fr"})
    digest = hashlib.sha256(f"{MODEL}\x00data:image/jpeg;base64,{image}\x00fr".encode()).hexdigest()
    assert body["text"] == (f"# Mock OCR document {digest[:8]}\n\nThis page was read by {MODEL} (the aistats-ocr-mock "
                            f"default answer).\n\nReference: {digest[8:24]}")
