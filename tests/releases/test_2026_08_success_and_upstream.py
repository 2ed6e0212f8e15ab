"""2026-08 success body, provider call and echo, and scripts matching `document` inputs.

Sources (01ac8aca0): providers/mistral/endpoints/ocr.ts 58-83 (the Mistral body), executors/_shared/non-text/
adapter-bridge.ts 331-350 (the echo), pipeline/surfaces/non-text.ts 382-383 (pages, document_annotation),
pipeline/after/index.ts 496-523 (meta), pipeline/pricing/engine.ts 866-879 (billing timestamps).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.gateway.upstream import OcrCall, ProviderAnswer, UpstreamDocument, default_page
from mockserver.mock import Mock
from mockserver.web.app import create_app
from tests.helpers import AUTH, TINY_PNG_B64
from tests.releases.helpers import IMAGE, MODEL, PDF, post

META_KEYS = [
    "throughput_tps",
    "output_speed_tps",
    "generation_ms",
    "latency_ms",
    "provider_ttft_ms",
    "gateway_ttft_ms",
    "tpot_ms",
    "itl_ms",
    "phaseo_overhead_ms",
    "end_to_end_ms",
]


class Recorder:
    """A provider that records each call (what Mistral would receive) and answers one page."""

    def __init__(self) -> None:
        self.calls: list[OcrCall] = []

    async def ocr(self, call: OcrCall) -> ProviderAnswer:
        self.calls.append(call)
        return ProviderAnswer(document=UpstreamDocument(pages=[default_page(call)]))


@pytest.fixture
def recorded(mock08: Mock) -> tuple[TestClient, Recorder]:
    recorder = Recorder()
    mock08.gateway.upstream = recorder
    return TestClient(create_app(mock=mock08)), recorder


def test_mistral_body_is_the_document_verbatim_plus_the_fields_sent(recorded: tuple[TestClient, Recorder]) -> None:
    """ocr.ts 58-77: {model, document, then the 12 optional fields the client sent, nulls kept}."""
    client, recorder = recorded
    document = {"type": "image_url", "image_url": {"url": IMAGE, "detail": "high"}}
    body = {
        "model": MODEL,
        "document": document,
        "table_format": None,
        "pages": [0],
        "language": "fr",
        "extract_header": True,
    }
    assert post(client, body).status_code == 200
    assert recorder.calls[0].provider_request == {
        "model": "mistral-ocr-2512",
        "document": document,
        "pages": [0],
        "table_format": None,
        "extract_header": True,
    }


def test_mistral_body_for_an_image_wraps_it(recorded: tuple[TestClient, Recorder]) -> None:
    """ocr.ts 58-83: no document -> {type: image_url, image_url: <image normalised>}; image never top-level."""
    client, recorder = recorded
    assert post(client, {"model": MODEL, "image": TINY_PNG_B64}).status_code == 200
    assert recorder.calls[0].provider_request == {
        "model": "mistral-ocr-2512",
        "document": {"type": "image_url", "image_url": "data:image/jpeg;base64," + TINY_PNG_B64},
    }


def test_echo_has_the_fixed_key_order_and_drops_what_was_not_sent(client08: TestClient) -> None:
    """adapter-bridge.ts 331-350, 657-665: model, image (raw), document, pages, ...; undefined dropped, null kept."""
    body = {
        "confidence_scores_granularity": None,
        "pages": "0",
        "model": MODEL,
        "image": TINY_PNG_B64,
        "language": "fr",
        "echo_upstream_request": True,
    }
    echoed = post(client08, body).json()["upstream_request"]
    assert echoed == json.dumps(
        {"model": "mistral-ocr-2512", "image": TINY_PNG_B64, "pages": "0", "confidence_scores_granularity": None},
        separators=(",", ":"),
    )
    echoed = post(client08, {"model": MODEL, "document": PDF, "echo_upstream_request": True}).json()
    assert json.loads(echoed["upstream_request"]) == {"model": "mistral-ocr-2512", "document": PDF}


def test_success_body_has_pages_meta_nulls_and_billing_timestamps(client08: TestClient) -> None:
    """non-text.ts 382 (pages), after/index.ts 496-523 (10 meta keys, null), engine.ts 866-879 (timestamps)."""
    before = datetime.now(UTC)
    response = post(client08, {"model": MODEL, "image": IMAGE})
    body = response.json()
    assert list(body) == [
        "requestId",
        "id",
        "object",
        "model",
        "provider",
        "text",
        "pages",
        "usage",
        "nativeResponseId",
        "meta",
        "cost_nanos",
        "cost_cents",
        "currency",
        "pricing_lines",
    ]
    assert body["meta"] == dict.fromkeys(META_KEYS)
    page = body["pages"][0]
    assert list(page) == ["index", "markdown", "images", "dimensions"] and page["index"] == 0
    assert body["text"] == page["markdown"]
    line = body["pricing_lines"][0]
    assert list(line)[-4:] == [
        "billing_timestamp_basis_configured",
        "billing_timestamp_ms",
        "billing_timestamp_iso",
        "pricing_time_window",
    ]
    stamp = datetime.fromtimestamp(line["billing_timestamp_ms"] / 1000, UTC)
    assert abs((stamp - before).total_seconds()) < 5
    assert line["billing_timestamp_iso"] == stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    assert body["usage"]["pricing_breakdown"]["lines"] == body["pricing_lines"]


def test_scripted_pages_become_pages_objects_and_annotation_shows(mock08: Mock) -> None:
    """non-text.ts 382-383: the provider's pages verbatim (extra fields pass through); document_annotation when
    given; text stays the blank-line join of the markdown (ocr.ts 20-37)."""
    mock08.engine.add(
        {
            "model": MODEL,
            "document_annotation": '{"invoice_id":"123"}',
            "pages": [
                {
                    "markdown": "# Invoice 123",
                    "dimensions": {"dpi": 200, "height": 2200, "width": 1700},
                    "confidence_scores": {"average_page_confidence_score": 0.98, "minimum_page_confidence_score": 0.9},
                },
                "Total: $42.00",
            ],
        }
    )
    with TestClient(create_app(mock=mock08)) as client:
        body = post(client, {"model": MODEL, "image": IMAGE}).json()
    assert body["text"] == "# Invoice 123\n\nTotal: $42.00"
    assert body["pages"] == [
        {
            "index": 0,
            "markdown": "# Invoice 123",
            "images": [],
            "dimensions": {"dpi": 200, "height": 2200, "width": 1700},
            "confidence_scores": {"average_page_confidence_score": 0.98, "minimum_page_confidence_score": 0.9},
        },
        {"index": 1, "markdown": "Total: $42.00", "images": [], "dimensions": None},
    ]
    assert body["document_annotation"] == '{"invoice_id":"123"}'
    assert list(body).index("document_annotation") == list(body).index("pages") + 1


def test_no_annotation_means_no_key(client08: TestClient) -> None:
    """adapter-bridge.ts 517: absent (never null) when the provider gave none."""
    assert "document_annotation" not in post(client08, {"model": MODEL, "image": IMAGE}).json()


def _script(mock: Mock, spec: dict[str, Any]) -> TestClient:
    mock.engine.add(spec)
    return TestClient(create_app(mock=mock))


def test_a_script_matches_a_document_url_glob(mock08: Mock) -> None:
    client = _script(
        mock08,
        {
            "id": "pdf",
            "model": MODEL,
            "match": {"document_url": "https://files.example.com/*.pdf"},
            "text": "the report",
        },
    )
    assert post(client, {"model": MODEL, "document": PDF}).json()["text"] == "the report"
    other = {"type": "document_url", "document_url": "https://elsewhere.example.com/a.pdf"}
    assert post(client, {"model": MODEL, "document": other}).json()["text"] != "the report"
    nearest = client.get("/_mock/requests").json()["requests"][-1]["nearest"][0]
    assert {
        "field": "document.document_url",
        "expected": "https://files.example.com/*.pdf",
        "got": other["document_url"],
    } in nearest["mismatches"]


def test_a_data_url_inside_image_url_matches_on_its_decoded_bytes(mock08: Mock) -> None:
    digest = hashlib.sha256(base64.b64decode(TINY_PNG_B64)).hexdigest()
    client = _script(
        mock08, {"model": MODEL, "match": {"image": {"sha256": digest, "media_type": "image/png"}}, "text": "the pixel"}
    )
    for image_url in ("data:image/png;base64," + TINY_PNG_B64, {"url": "data:image/png;base64," + TINY_PNG_B64}):
        document = {"type": "image_url", "image_url": image_url}
        assert post(client, {"model": MODEL, "document": document}).json()["text"] == "the pixel"


def test_a_script_matches_a_file_id_and_mismatches_name_the_input(mock08: Mock) -> None:
    file_id = "123e4567-e89b-42d3-a456-426614174000"
    client = _script(mock08, {"model": MODEL, "match": {"file_id": file_id}, "text": "the file"})
    assert post(client, {"model": MODEL, "document": {"type": "file", "file_id": file_id}}).json()["text"] == "the file"
    client = _script(mock08, {"model": MODEL, "match": {"image": {"url": "https://img.example.com/*"}}, "text": "x"})
    post(client, {"model": MODEL, "document": {"type": "image_url", "image_url": "https://other.example.com/a.png"}})
    nearest = client.get("/_mock/requests").json()["requests"][-1]["nearest"]
    mismatches = [m for n in nearest for m in n["mismatches"]]
    assert {
        "field": "document.image_url.url",
        "expected": "https://img.example.com/*",
        "got": "https://other.example.com/a.png",
    } in mismatches


def test_ocr_4_1_is_served_at_4_dollars_per_1000_pages(client08: TestClient) -> None:
    """api_providers/mistral/models.json 3052-3056; pricing/mistral/mistral-ocr-4.1/ocr/pricing.json."""
    body = post(client08, {"model": "mistral/ocr-4.1", "image": IMAGE}).json()
    assert body["model"] == "mistral-ocr-4-1"
    assert body["pricing_lines"][0]["unit_price_usd"] == "4.000000000" and body["cost_nanos"] == 4_000_000


def test_ocr_4_has_the_new_slug_and_resolves_to_2_dollars(client08: TestClient) -> None:
    """models.json 2970-2974 (mistral-ocr-4-0); the $2 rule at priority 110 wins (pricing/engine.ts 82-90)."""
    body = post(client08, {"model": "mistral/ocr-4", "image": IMAGE}).json()
    assert body["model"] == "mistral-ocr-4-0" and body["pricing_lines"][0]["unit_price_usd"] == "2.000000000"


def test_ocr_2_stays_pricing_not_configured(client08: TestClient) -> None:
    """The page says invalid_model_slug [I]; the source disagrees (august-delta E3): the ocr-2 row is the same at
    both commits (models.json 2850-2854), so the July outcome is kept."""
    body = post(client08, {"model": "mistral/ocr-2", "image": IMAGE}).json()
    assert body["error"] == "unsupported_model_or_endpoint" and body["reason"] == "pricing_not_configured"


def test_scripts_for_another_release_are_left_out(tmp_path: Any) -> None:
    (tmp_path / "a.yaml").write_text(
        "scripts:\n"
        "  - {id: july, model: mistral/ocr-3, release: '2026-07', text: july only}\n"
        "  - {id: august, model: mistral/ocr-3, release: '2026-08', text: august only}\n"
        "  - {id: any, model: mistral/ocr-3, match: {language: xx}, text: any release}\n"
    )
    from mockserver.web.app import Settings

    assert [s.id for s in Mock(Settings(fixtures=tmp_path, gateway_release="2026-08")).engine.scripts()] == [
        "august",
        "any",
    ]
    assert [s.id for s in Mock(Settings(fixtures=tmp_path, gateway_release="2026-07")).engine.scripts()] == [
        "july",
        "any",
    ]


def test_health_reports_the_release(client08: TestClient) -> None:
    assert client08.get("/_mock/health").json()["gateway_release"] == "2026-08"


def test_auth_header_key_unaffected(client08: TestClient) -> None:
    assert client08.post("/v1/ocr", json={"model": MODEL, "image": IMAGE}, headers=AUTH).status_code == 200
