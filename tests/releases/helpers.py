"""Shortcuts for the 2026-08 suite."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.helpers import AUTH, envelope_without_id

MODEL = "mistral/ocr-3"
IMAGE = "https://example.com/invoice.png"
PDF = {"type": "document_url", "document_url": "https://files.example.com/report.pdf"}
SOURCE = "apps/api/src/"  # the gateway's source root at 01ac8aca0; citations below are relative to it


def post(client: TestClient, body: Any, headers: dict[str, str] | None = None, **kw: Any) -> Any:
    return client.post("/v1/ocr", json=body, headers={**AUTH, **(headers or {})}, **kw)


def details_of(response: Any) -> list[tuple[str, list[Any], str]]:
    assert response.status_code == 400, response.text
    body = envelope_without_id(response)
    assert body["error"] == "validation_error"
    return [(d["message"], d["path"], d["keyword"]) for d in body["details"]]
