"""What every answer of the mock must look like, whatever was sent: the judge of the fuzzer.

A crash is an exception out of the app, a 500, a response that never ends, or an answer on the
gateway's route that is not one of the gateway's: a JSON envelope with its headers for an error,
the OCR body for a success, the plain 404, the bare 204.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from mockserver.gateway.errors import error_table
from tests.asgi_driver import RawRequest, RawResponse

GENERATION_ID = re.compile(r"^G-[0-9A-HJKMNP-TV-Z]{26}$")
ENVELOPE = {"generation_id", "status_code", "error", "error_type", "error_origin", "description"}
CORS_ORIGIN = "access-control-allow-origin"


def _json(response: RawResponse) -> Any:
    try:
        return orjson.loads(response.body)
    except orjson.JSONDecodeError:
        return None


def _gateway_error_problems(response: RawResponse) -> list[str]:
    body = _json(response)
    if not isinstance(body, dict) or not set(body) >= ENVELOPE:
        return [f"{response.status} without the gateway envelope: {response.body[:200]!r}"]
    kind = error_table().get(body["error"])
    problems = []
    if kind is None:
        problems.append(f"unknown error code {body['error']!r}")
    elif (kind.status, kind.error_type, kind.error_origin) != (response.status, body["error_type"],
                                                               body["error_origin"]):
        problems.append(f"envelope does not match errors.yaml: {body}")
    elif response.headers.get("x-gateway-error-attribution") != kind.attribution:
        problems.append("wrong or missing X-Gateway-Error-Attribution")
    if body["status_code"] != response.status or not GENERATION_ID.match(str(body["generation_id"])):
        problems.append(f"bad status_code or generation_id: {body}")
    if response.headers.get("content-type") != "application/json":
        problems.append(f"content-type {response.headers.get('content-type')!r}")
    if response.headers.get("cache-control") != "no-store" or CORS_ORIGIN not in response.headers:
        problems.append("missing Cache-Control: no-store or CORS headers")
    return problems


def _preset_refusal(response: RawResponse) -> bool:
    """The gateway's own 500 for a preset model (before/guards.ts L471-481, bff496d80)."""
    body = _json(response)
    return response.status == 500 and isinstance(body, dict) and body.get("description") == "gateway_context_failed"


def problems(request: RawRequest, response: RawResponse) -> list[str]:
    """Why this answer is not one the gateway could give (empty: it is fine)."""
    if not response.complete:
        return ["the response never ended"]
    if response.status >= 500 and response.status != 502 and not _preset_refusal(response):
        return [f"server error {response.status}: {response.body[:300]!r}"]
    if request.disconnect and response.status == 499:
        return []  # the client left mid-body: journaled, nothing to answer
    path = request.path.partition(b"?")[0]
    if path.startswith(b"/_mock/"):
        return [] if response.status in (200, 201, 204, 400, 401, 404, 405, 413) else [f"admin {response.status}"]
    if response.status == 404:
        ok = response.body in (b"404 Not Found", b"") and response.headers.get("content-type", "").startswith(
            "text/plain")
        return [] if ok else [f"404 not the gateway's: {response.body[:100]!r}"]
    if response.status == 204:
        return [] if CORS_ORIGIN in response.headers else ["204 without CORS headers"]
    if request.method in ("GET", "HEAD") and path == b"/":
        return [] if response.status == 200 else [f"GET / answered {response.status}"]
    if response.status == 200:
        body = _json(response)
        ok = isinstance(body, dict) and body.get("object") == "ocr" and bool(GENERATION_ID.match(str(body.get("id"))))
        return [] if ok else [f"200 without the OCR body: {response.body[:200]!r}"]
    return _gateway_error_problems(response)
