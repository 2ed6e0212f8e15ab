"""The app's tests, written the pytest-httpx way: the app keeps calling https://api.phaseo.app/v1, and
``@pytest.mark.ocr_gateway(intercept=True)`` routes those calls into the ``ocr_gateway`` mock."""

from __future__ import annotations

import base64
import urllib.error

import pytest
import requests
from ocr_app import read_text, read_text_async, read_text_phaseo, read_text_requests

from mockserver.pytest_plugin import CallbackCall, OcrGateway

pytestmark = pytest.mark.ocr_gateway(intercept=True)

INVOICE = "https://files.example.com/invoice-123.png"


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch, ocr_gateway: OcrGateway) -> None:
    monkeypatch.setenv("AISTATS_API_KEY", ocr_gateway.api_key)


def test_httpx(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", image_url=INVOICE, pages=["# Invoice 123", "Total: $42.00"])

    assert read_text(INVOICE) == "# Invoice 123\n\nTotal: $42.00"
    assert ocr_gateway.calls.last.json == {"model": "mistral/ocr-3", "image": INVOICE}


@pytest.mark.anyio
async def test_httpx_async(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="awaited")

    assert await read_text_async(INVOICE) == "awaited"


def test_requests(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", upstream=429)

    with pytest.raises(requests.HTTPError) as raised:
        read_text_requests(INVOICE)
    assert raised.value.response.status_code == 502
    assert raised.value.response.json()["error"] == "upstream_error"


def test_the_official_client_with_its_default_base_url(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="read by phaseo")

    assert read_text_phaseo(INVOICE) == "read by phaseo"
    assert ocr_gateway.calls.last.headers["user-agent"].startswith("phaseo-python")


def test_the_official_client_sees_gateway_errors(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.key(balance_usd=0.5)

    with pytest.raises(urllib.error.HTTPError) as raised:
        read_text_phaseo(INVOICE)
    assert raised.value.code == 402
    assert b"insufficient_funds" in raised.value.read()


def test_a_callback_computes_the_answer(ocr_gateway: OcrGateway) -> None:
    def answer(call: CallbackCall) -> dict[str, object]:
        if call.image_bytes is None:
            return {"error": "validation_error"}
        return {"pages": [f"{len(call.image_bytes)} bytes", f"language {call.json.get('language', 'auto')}"]}

    ocr_gateway.add(model="mistral/ocr-3", callback=answer)

    scan = "data:image/png;base64," + base64.b64encode(b"\x89PNG fake scan").decode()
    assert read_text(scan) == "14 bytes\n\nlanguage auto"

