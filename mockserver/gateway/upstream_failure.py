"""A failed provider call, rendered as the gateway renders it: 502 ``upstream_error`` (or
``provider_payment_required`` for a provider 402), with the failure sample, hint and diagnostics.
OCR has one provider and no retry, so there is exactly one attempt."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from mockserver.gateway.errors import GatewayError
from mockserver.resources import data_path, load_yaml

PREVIEW_CHARS = 500


@dataclass(frozen=True)
class ProviderError:
    """What the provider answered: its HTTP status and, when it said, its error fields and body."""

    status: int
    code: str | None = None
    message: str | None = None
    description: str | None = None
    param: str | None = None
    payload: Any = None


def _covers(statuses: list[int | str], status: int) -> bool:
    return status in statuses or ("5xx" in statuses and status >= 500)


@cache
def _rules() -> dict[str, Any]:
    with data_path("upstream_failures.yaml").open(encoding="utf-8") as fh:
        rules: dict[str, Any] = load_yaml(fh)
    return rules


def hint_for(status: int) -> str | None:
    return next((rule["hint"] for rule in _rules()["hints"] if _covers(rule["statuses"], status)), None)


def diagnostics_for(status: int, provider: str) -> dict[str, Any] | None:
    for rule in _rules()["diagnostics"]:
        if _covers(rule["statuses"], status):
            return {"category": rule["category"], "hint": rule["hint"], "provider": provider}
    return None


def _description(failure: ProviderError, provider: str, model: str) -> str:
    sentences = [f'Provider "{provider}" failed with HTTP {failure.status} for endpoint "ocr" on model "{model}".']
    if failure.code:
        sentences.append(f"Upstream code: {failure.code}.")
    if failure.message:
        sentences.append(f"Upstream message: {failure.message}.")
    if failure.description and failure.description != failure.message:
        sentences.append(f"Upstream detail: {failure.description}.")
    if failure.param and failure.param not in (failure.message, failure.description):
        sentences.append(f"Upstream param: {failure.param}.")
    hint = hint_for(failure.status)
    if hint:
        sentences.append(f"Hint: {hint}")
    sentences.append("Inspect failure_sample for per-attempt diagnostics.")
    return " ".join(sentences)


def _preview(payload: Any) -> str | None:
    if payload is None:
        return None
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    return text[:PREVIEW_CHARS]


def upstream_failure(failure: ProviderError, provider: str, model: str) -> GatewayError:
    """The gateway's answer to one failed provider call on ``model`` (the gateway model id)."""
    sample = {
        "provider": provider,
        "type": "upstream_non_2xx",
        "status": failure.status,
        "upstream_error_code": failure.code,
        "upstream_error_message": failure.message,
        "upstream_error_description": failure.description,
        "upstream_error_param": failure.param,
        "upstream_payload_preview": _preview(failure.payload),
        "retryable": _covers(_rules()["retryable"], failure.status),
    }
    extra: dict[str, Any] = {
        "attempt_count": 1,
        "failed_providers": [provider],
        "failed_statuses": [failure.status],
        "failure_sample": [sample],
        "upstream_error": {
            "code": failure.code,
            "message": failure.message,
            "description": failure.description,
            "param": failure.param,
        },
    }
    diagnostics = diagnostics_for(failure.status, provider)
    if diagnostics is not None:
        extra["provider_failure_diagnostics"] = diagnostics
    if failure.status == 402:
        return GatewayError(
            "provider_payment_required",
            fill={"provider": provider},
            reason="upstream_provider_payment_required",
            **extra,
        )
    return GatewayError(
        "upstream_error", _description(failure, provider, model), reason="all_candidates_failed", **extra
    )
