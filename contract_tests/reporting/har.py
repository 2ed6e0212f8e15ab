"""The run's exchanges as a HAR 1.2 file, with the key redacted from every string."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from mockserver import __version__

from ..redact import Redactor
from ..results import RunResult


def write_har(result: RunResult, path: Path) -> None:
    redact = result.redact
    entries = []
    for exchange in result.exchanges:
        request = exchange.request
        entry: dict[str, Any] = {
            "startedDateTime": datetime.fromtimestamp(exchange.started, UTC).isoformat(),
            "time": round(exchange.elapsed * 1000, 3),
            "request": {
                "method": request.method,
                "url": redact(request.url or ""),
                "httpVersion": "HTTP/1.1",
                "headers": _headers(request.headers.items(), redact),
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": len(_bytes(request.body)),
                "postData": {
                    "mimeType": request.headers.get("content-type", ""),
                    "text": redact(_bytes(request.body).decode("utf-8", errors="replace")),
                },
            },
            "response": _response(exchange.response, redact),
            "cache": {},
            "timings": {"send": 0, "wait": round(exchange.elapsed * 1000, 3), "receive": 0},
        }
        entries.append(entry)
    document = {
        "log": {
            "version": "1.2",
            "creator": {"name": "aistats-ocr-mock contract_tests", "version": __version__},
            "entries": entries,
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(redact(json.dumps(document, indent=1)), encoding="utf-8")


def _bytes(body: Any) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def _headers(items: Any, redact: Redactor) -> list[dict[str, str]]:
    return [{"name": str(name), "value": redact(str(value))} for name, value in items]


def _response(response: requests.Response | None, redact: Redactor) -> dict[str, Any]:
    if response is None:
        return {
            "status": 0,
            "statusText": "no answer",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        }
    content = response.content or b""
    return {
        "status": response.status_code,
        "statusText": response.reason or "",
        "httpVersion": "HTTP/1.1",
        "headers": _headers(response.headers.items(), redact),
        "cookies": [],
        "content": {
            "size": len(content),
            "mimeType": response.headers.get("content-type", ""),
            "text": redact(content.decode("utf-8", errors="replace")),
        },
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": len(content),
    }
