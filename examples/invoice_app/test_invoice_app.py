"""The invoice app's tests, written with the aistats-ocr-mock pytest plugin: each test scripts what the
gateway answers, runs the app against ``ocr_gateway.base_url`` (a real local server), and checks what the
app did with it. Strict mode makes sure the app really made the calls each test scripted."""

from __future__ import annotations

from pathlib import Path

import pytest
from invoice_app import InvoiceError, read_total

from mockserver.pytest_plugin import OcrGateway

SCAN = Path(__file__).resolve().parents[2] / "fixtures" / "images" / "invoice.png"


def test_reads_the_total(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", image=SCAN, pages=["# Invoice 123", "Total: $42.00"])
    total = read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key)
    assert total == "42.00"
    call = ocr_gateway.calls.last
    assert call.json["model"] == "mistral/ocr-3"
    assert call.json["image"].startswith("data:image/png;base64,")


def test_reads_the_total_without_a_socket(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="Total: 7,50")
    assert read_total(SCAN, api_key=ocr_gateway.api_key, transport=ocr_gateway.transport) == "7.50"


def test_retries_once_when_the_provider_is_rate_limiting(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", sequence=[{"upstream": 429}, {"text": "Total: $9.99"}])
    assert read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key) == "9.99"
    assert [call.status for call in ocr_gateway.calls] == [502, 200]


def test_gives_up_after_two_provider_failures(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", upstream=503, times=2)
    with pytest.raises(InvoiceError, match=r"refused the invoice \(502 upstream_error\)"):
        read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key)


def test_does_not_retry_a_provider_rejection(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", upstream=400, times=1)
    with pytest.raises(InvoiceError, match="502 upstream_error"):
        read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key)


def test_survives_a_dropped_connection(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", sequence=[{"text": "lost", "fault": "drop"}, {"text": "Total: $1.00"}])
    assert read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key) == "1.00"


def test_says_when_the_account_is_out_of_credit(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.key(balance_usd=0.40)
    with pytest.raises(InvoiceError, match="out of credit"):
        read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key)


def test_says_when_the_key_reached_its_daily_limit(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.key(limits={"daily": 0})
    with pytest.raises(InvoiceError, match=r"daily request limit \(0/0\)"):
        read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key)


def test_a_scan_without_a_total(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", pages=["# Receipt", "Thank you"])
    with pytest.raises(InvoiceError, match="no total"):
        read_total(SCAN, base_url=ocr_gateway.base_url, api_key=ocr_gateway.api_key)
