"""A small app that reads the total of an invoice scan through the AI Stats Gateway OCR endpoint.

It is what a user of the gateway writes, and what ``test_invoice_app.py`` tests with the pytest plugin:
the app takes the gateway's base URL and key (and, for tests, an optional httpx transport), sends the
image as a data URL, retries once when the provider failed in a way a retry may cure (a 502 whose
``provider_failure_diagnostics`` say the provider was rate limiting or had a server error: the gateway
leaves ``failure_sample[].retryable`` null for an HTTP answer), and turns the gateway's errors into its own.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import Any

import httpx

GATEWAY = "https://api.phaseo.app/v1"
TOTAL = re.compile(r"Total:\s*\$?\s*([0-9]+(?:[.,][0-9]{2})?)", re.IGNORECASE)


RETRYABLE_CATEGORIES = frozenset({"rate_limited", "server_error"})


class InvoiceError(Exception):
    """The invoice could not be read; the message says why, for a person."""


def data_url(image: Path) -> str:
    media_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
    return f"data:{media_type};base64,{base64.b64encode(image.read_bytes()).decode()}"


def read_text(image: Path, *, base_url: str = GATEWAY, api_key: str, model: str = "mistral/ocr-3",
              transport: httpx.BaseTransport | None = None, attempts: int = 2) -> str:
    """The document's text, as the gateway's OCR model read it."""
    with httpx.Client(base_url=base_url, transport=transport, timeout=30,
                      headers={"Authorization": f"Bearer {api_key}"}) as client:
        for attempt in range(1, attempts + 1):
            try:
                answer = client.post("/ocr", json={"model": model, "image": data_url(image)})
            except httpx.TransportError as exc:
                if attempt == attempts:
                    raise InvoiceError(f"the OCR gateway did not answer: {exc}") from exc
                continue
            body = answer.json()
            if answer.status_code == 200:
                text: str = body["text"]
                return text
            category = (body.get("provider_failure_diagnostics") or {}).get("category")
            retryable = category in RETRYABLE_CATEGORIES
            if not (answer.status_code == 502 and retryable and attempt < attempts):
                raise InvoiceError(_explain(answer.status_code, body))
    raise AssertionError("unreachable")


def read_total(image: Path, **options: Any) -> str:
    """The invoice total (``"42.00"``) found in the OCR text (``options``: those of ``read_text``)."""
    text = read_text(image, **options)
    found = TOTAL.search(text)
    if found is None:
        raise InvoiceError("no total found on the invoice")
    return found.group(1).replace(",", ".")


def _explain(status: int, body: dict[str, object]) -> str:
    error = body.get("error")
    if error == "insufficient_funds":
        return "the OCR account is out of credit"
    if error == "key_limit_exceeded":
        return f"the OCR key reached a limit: {body.get('description')}"
    return f"the OCR gateway refused the invoice ({status} {error})"
