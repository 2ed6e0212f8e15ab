"""Scripted answers over HTTP: matchers, outcomes, sequences, in-process and over a real socket."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import AUTH, TINY_PNG_B64
from tests.targets import Target

MODEL = "mistral/ocr-3"
URL = "https://files.example.com/invoices/2026/inv-1.png"
IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"


def text_of(response: Any) -> str:
    assert response.status_code == 200, response.text
    text: str = response.json()["text"]
    return text


# -- matchers -------------------------------------------------------------------------------------


def test_a_script_answers_its_model_only(target: Target) -> None:
    target.script(model=MODEL, text="scripted")
    assert text_of(target.ocr({"model": MODEL, "image": URL})) == "scripted"
    assert text_of(target.ocr({"model": "mistral/ocr-4", "image": URL})).startswith("# Mock OCR document")


def test_match_on_language(target: Target) -> None:
    target.script(model=MODEL, match={"language": "fr"}, text="bonjour")
    assert text_of(target.ocr({"model": MODEL, "image": URL, "language": "fr"})) == "bonjour"
    assert text_of(target.ocr({"model": MODEL, "image": URL, "language": "de"})) != "bonjour"


def test_match_on_a_body_field_by_path(target: Target) -> None:
    target.script(model=MODEL, match={"body": {"debug.enabled": True, "provider.order.0": "mistral"}}, text="deep")
    body = {"model": MODEL, "image": URL, "debug": {"enabled": True}, "provider": {"order": ["mistral"]}}
    assert text_of(target.ocr(body)) == "deep"
    body["debug"] = {"enabled": False}
    assert text_of(target.ocr(body)) != "deep"


def test_match_on_a_header(target: Target) -> None:
    target.script(model=MODEL, match={"headers": {"X-App-Id": "billing"}}, text="billing")
    assert text_of(target.ocr({"model": MODEL, "image": URL}, headers={"x-app-id": "billing"})) == "billing"
    assert text_of(target.ocr({"model": MODEL, "image": URL}, headers={"x-app-id": "other"})) != "billing"


@pytest.mark.parametrize(
    "image",
    [
        TINY_PNG_B64,
        f"data:image/png;base64,{TINY_PNG_B64}",
        "\n".join(TINY_PNG_B64[i : i + 16] for i in range(0, len(TINY_PNG_B64), 16)),
        f"data:application/octet-stream;base64, {TINY_PNG_B64[:30]} \r\n {TINY_PNG_B64[30:]}",
    ],
    ids=["bare-base64", "data-url", "wrapped", "other-type-and-spaces"],
)
def test_match_on_image_bytes_however_they_are_sent(target: Target, image: str) -> None:
    digest = hashlib.sha256(base64.b64decode(TINY_PNG_B64)).hexdigest()
    target.script(model=MODEL, match={"image": {"sha256": digest}}, text="that image")
    assert text_of(target.ocr({"model": MODEL, "image": image})) == "that image"


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        ((IMAGES / "invoice.png").read_bytes(), "image/png"),
        ((IMAGES / "receipt.jpg").read_bytes(), "image/jpeg"),
        ((IMAGES / "letter.pdf").read_bytes(), "application/pdf"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
        (b"RIFF\x1a\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"MM\x00*\x00\x00\x00\x08", "image/tiff"),
    ],
)
def test_match_on_sniffed_media_type(target: Target, data: bytes, media_type: str) -> None:
    target.script(model=MODEL, match={"image": {"media_type": media_type}}, text=media_type)
    encoded = base64.b64encode(data).decode()
    assert text_of(target.ocr({"model": MODEL, "image": f"data:image/jpeg;base64,{encoded}"})) == media_type


def test_media_type_comes_from_the_bytes_not_the_data_url(target: Target) -> None:
    target.script(model=MODEL, match={"image": {"media_type": "image/jpeg"}}, text="jpeg")
    assert text_of(target.ocr({"model": MODEL, "image": f"data:image/jpeg;base64,{TINY_PNG_B64}"})) != "jpeg"


def test_match_on_url_pattern(target: Target) -> None:
    target.script(model=MODEL, match={"image": {"url": "https://files.example.com/invoices/*"}}, text="invoice")
    assert text_of(target.ocr({"model": MODEL, "image": URL})) == "invoice"
    assert text_of(target.ocr({"model": MODEL, "image": "https://files.example.com/other/a.png"})) != "invoice"


def test_most_specific_match_wins_and_declared_order_breaks_ties(target: Target) -> None:
    target.script(model=MODEL, text="any")
    target.script(model=MODEL, match={"language": "fr", "headers": {"x-app-id": "a"}}, text="two conditions")
    target.script(model=MODEL, match={"language": "fr"}, text="first of one")
    target.script(model=MODEL, match={"headers": {"x-app-id": "a"}}, text="second of one")
    body = {"model": MODEL, "image": URL, "language": "fr"}
    assert text_of(target.ocr(body, headers={"x-app-id": "a"})) == "two conditions"
    assert text_of(target.ocr(body, headers={"x-app-id": "b"})) == "first of one"
    assert text_of(target.ocr({"model": MODEL, "image": URL}, headers={"x-app-id": "a"})) == "second of one"
    assert text_of(target.ocr({"model": MODEL, "image": URL})) == "any"


def test_unmatched_requests_get_the_default_and_the_journal_says_why(target: Target) -> None:
    script = target.script(id="french", model=MODEL, match={"language": "fr"}, text="bonjour")
    text_of(target.ocr({"model": MODEL, "image": URL, "language": "de"}))
    (entry,) = target.journal()
    assert entry["script"] is None
    assert entry["nearest"][0] == {
        "script": script["id"],
        "mismatches": [{"field": "language", "expected": "fr", "got": "de"}],
    }


# -- outcomes -------------------------------------------------------------------------------------


def test_pages_are_joined_and_priced_per_page(target: Target) -> None:
    target.script(model=MODEL, pages=["# Invoice 123", {"markdown": "Total: $42.00", "images": [{"id": "img-0"}],
                                                       "dimensions": {"dpi": 300, "height": 3300, "width": 2550}}])
    body = target.ocr({"model": MODEL, "image": URL, "debug": {"return_upstream_response": True}}).json()
    assert body["text"] == "# Invoice 123\n\nTotal: $42.00"
    assert body["cost_nanos"] == 4_000_000
    assert body["usage"]["pricing_breakdown"]["total_usd_str"] == "0.004"
    assert [page["index"] for page in body["upstream_response"]["rawResponse"]["pages"]] == [0, 1]
    assert body["upstream_response"]["rawResponse"]["pages"][1]["images"] == [{"id": "img-0"}]
    assert body["upstream_response"]["usage"]["pages_processed"] == 2


def test_zero_pages_cost_nothing(target: Target) -> None:
    target.script(model=MODEL, pages=[])
    body = target.ocr({"model": MODEL, "image": URL}).json()
    assert body["text"] == ""
    assert body["usage"]["pricing_breakdown"] == {
        "total_nanos": 0, "total_usd_str": "0", "total_cents": 0, "currency": "USD", "lines": []}
    assert not {"cost_nanos", "cost_cents", "currency", "pricing_lines"} & body.keys()


@pytest.mark.parametrize(
    ("error", "status", "description", "attribution"),
    [
        ({"code": "insufficient_funds"}, 402, "insufficient_funds", "upstream"),
        ({"code": "key_limit_exceeded"}, 429, "This API key has reached its daily request limit (100/100).",
         "upstream"),
        ({"code": "unsupported_model_or_endpoint"}, 400,
         "Unsupported model or endpoint. Please check https://ai-stats.phaseo.app/models for your model id, or the "
         "API Reference at https://docs.ai-stats.phaseo.app/v1/api-reference for valid endpoints.", "user"),
        ({"code": "insufficient_funds", "description": "wallet_missing"}, 402, "wallet_missing", "upstream"),
    ],
)
def test_gateway_error_by_code(target: Target, error: dict[str, str], status: int, description: str,
                               attribution: str) -> None:
    target.script(model=MODEL, error=error)
    response = target.ocr({"model": MODEL, "image": URL})
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error["code"]
    assert body["status_code"] == status
    assert body["description"] == description
    assert response.headers["x-gateway-error-attribution"] == attribution
    assert response.headers["cache-control"] == "no-store"


def test_upstream_429_is_the_gateways_502(target: Target) -> None:
    target.script(model=MODEL, upstream={"status": 429, "code": "rate_limit_exceeded", "message": "Slow down",
                                         "payload": {"error": "rate"}})
    response = target.ocr({"model": MODEL, "image": URL})
    assert response.status_code == 502
    assert "retry-after" not in response.headers
    body = response.json()
    body.pop("generation_id")
    assert body == {
        "status_code": 502,
        "error": "upstream_error",
        "error_type": "system",
        "error_origin": "upstream",
        "description": (
            'Provider "mistral" failed with HTTP 429 for endpoint "ocr" on model "mistral/ocr-3". '
            "Upstream code: rate_limit_exceeded. Upstream message: Slow down. "
            "Hint: The provider is rate limiting requests; retry with backoff. "
            "Inspect failure_sample for per-attempt diagnostics."
        ),
        "reason": "all_candidates_failed",
        "attempt_count": 1,
        "failed_providers": ["mistral"],
        "failed_statuses": [429],
        "failure_sample": [{
            "provider": "mistral", "type": "upstream_non_2xx", "status": 429,
            "upstream_error_code": "rate_limit_exceeded", "upstream_error_message": "Slow down",
            "upstream_error_description": None, "upstream_error_param": None,
            "upstream_payload_preview": '{"error":"rate"}', "retryable": None,
        }],
        "upstream_error": {"code": "rate_limit_exceeded", "message": "Slow down", "description": None, "param": None},
        "routing_diagnostics": body["routing_diagnostics"],
        "provider_failure_diagnostics": {
            "category": "rate_limited",
            "hint": "The provider is rate limiting this request. Retry with backoff or another provider.",
            "provider": "mistral",
        },
    }
    assert response.headers["x-gateway-error-origin"] == "upstream"
    # execute/guards.ts L451, L487 (bff496d80): always there, after upstream_error
    assert body["routing_diagnostics"]["finalCandidateCount"] == 1
    assert list(body)[-2:] == ["routing_diagnostics", "provider_failure_diagnostics"]


@pytest.mark.parametrize(
    ("status", "hint", "category"),
    [
        (401, "Verify provider credentials/BYOK keys and account permissions.", "credentials_invalid_or_forbidden"),
        (403, "Verify provider credentials/BYOK keys and account permissions.", None),
        (404, "The provider may not expose this model on this endpoint yet.", "model_unavailable_for_endpoint"),
        (408, "The provider timed out; retrying may succeed.", None),
        (504, "The provider timed out; retrying may succeed.", "server_error"),
        (500, "The provider returned a server error; retrying may succeed.", "server_error"),
        (503, "The provider returned a server error; retrying may succeed.", "server_error"),
        (400, "The upstream provider rejected request parameters.", None),
        (422, "The upstream provider rejected request parameters.", None),
        (418, None, None),
    ],
)
def test_upstream_hints_and_diagnostics(target: Target, status: int, hint: str | None, category: str | None) -> None:
    target.script(model=MODEL, upstream={"status": status})
    body = target.ocr({"model": MODEL, "image": URL}).json()
    expected = f'Provider "mistral" failed with HTTP {status} for endpoint "ocr" on model "mistral/ocr-3".'
    if hint:
        expected += f" Hint: {hint}"
    assert body["description"] == expected + " Inspect failure_sample for per-attempt diagnostics."
    assert body.get("provider_failure_diagnostics", {}).get("category") == category


def test_upstream_402_is_provider_payment_required(target: Target) -> None:
    target.script(model=MODEL, upstream={"status": 402, "message": "Payment required"})
    response = target.ocr({"model": MODEL, "image": URL})
    assert response.status_code == 502
    body = response.json()
    assert body["error"] == "provider_payment_required"
    assert body["description"] == (
        "Oops, we forgot to pay our provider bills (mistral). "
        "Please let us know on GitHub or Discord if you see this error."
    )
    assert body["failed_statuses"] == [402]


def test_scripted_errors_happen_after_the_earlier_checks(target: Target) -> None:
    target.script(model=MODEL, error={"code": "insufficient_funds"})
    assert target.ocr({"model": MODEL}).json()["error"] == "validation_error"
    assert target.http.post("/v1/ocr", json={"model": MODEL, "image": URL}).status_code == 401


# -- counts and sequences -------------------------------------------------------------------------


def test_times_uses_a_script_up(target: Target) -> None:
    script = target.script(model=MODEL, text="twice", times=2)
    texts = [text_of(target.ocr({"model": MODEL, "image": URL})) for _ in range(3)]
    assert texts[:2] == ["twice", "twice"] and texts[2] != "twice"
    assert [entry["script"] for entry in target.journal()] == [script["id"], script["id"], None]
    (listed,) = target.http.get("/_mock/scripts").json()["scripts"]
    assert (listed["calls"], listed["remaining"]) == (2, 0)


def test_a_sequence_steps_then_always(target: Target) -> None:
    target.script(model=MODEL, sequence=[{"text": "one"}, {"upstream": {"status": 503}, "times": 2}, {"text": "three"}],
                  then={"text": "always"})
    statuses = []
    for _ in range(6):
        response = target.ocr({"model": MODEL, "image": URL})
        statuses.append(response.json()["text"] if response.status_code == 200 else response.status_code)
    assert statuses == ["one", 502, 502, "three", "always", "always"]


def test_a_sequence_without_then_is_used_up(target: Target) -> None:
    target.script(model=MODEL, sequence=[{"text": "one"}, {"text": "two"}])
    texts = [text_of(target.ocr({"model": MODEL, "image": URL})) for _ in range(3)]
    assert texts[:2] == ["one", "two"] and texts[2].startswith("# Mock OCR document")


def test_concurrent_calls_consume_a_sequence_exactly_once_each(target: Target) -> None:
    target.script(model=MODEL, sequence=[{"text": f"step {n}"} for n in range(20)], then={"text": "after"})

    body = {"model": MODEL, "image": URL}
    if target.mode == "socket":
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            texts = list(pool.map(lambda _: text_of(target.ocr(body)), range(30)))
    else:  # interleaved on one event loop, straight into the ASGI app
        async def all_at_once() -> list[str]:
            transport = httpx.ASGITransport(app=target.http.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mock", headers=AUTH) as client:
                responses = await asyncio.gather(*(client.post("/v1/ocr", json=body) for _ in range(30)))
            return [text_of(response) for response in responses]

        texts = asyncio.run(all_at_once())
    assert sorted(t for t in texts if t != "after") == sorted(f"step {n}" for n in range(20))
    assert texts.count("after") == 10


# -- defaults -------------------------------------------------------------------------------------


def test_a_fixture_default_replaces_the_built_in_one(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from mockserver.mock import Mock
    from mockserver.settings import Settings
    from mockserver.web.app import create_app
    from tests.helpers import post_ocr

    (tmp_path / "defaults.yaml").write_text("defaults:\n  mistral/ocr-4:\n    text: the ocr-4 default\n")
    client = TestClient(create_app(mock=Mock(Settings(fixtures=tmp_path))))
    assert post_ocr(client, {"model": "mistral/ocr-4", "image": URL}).json()["text"] == "the ocr-4 default"
    assert post_ocr(client, {"model": MODEL, "image": URL}).json()["text"].startswith("# Mock OCR document")
