"""The ``debug`` object of an error body (core/error-handler.ts L661-671, L871-893).

It is there only when ``x-gateway-debug`` (that header alone), lowercased, is one of the flag values.
An error before the provider call reaches the error handler with the request only for a JSON or
urlencoded body of at most 256 KiB (pipeline/index.ts L18-36, L54-73); otherwise the header is unseen.
Before the provider call the object holds the internal error body and nulls; after, the attempt
logs and the routing state too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from mockserver.gateway.behaviour import behaviour, first_present
from mockserver.gateway.errors import ErrorTable, GatewayError, base_errors
from mockserver.gateway.exchange import Exchange, Stage
from mockserver.gateway.routing import js_number


def error_debug_requested(headers: Mapping[str, str], rules: Mapping[str, Any] | None = None) -> bool:
    rules = rules or behaviour()["debug"]
    value = first_present(headers, rules["error_headers"])
    return value is not None and value.lower() in rules["flag_values"]


def early_request_visible(headers: Mapping[str, str], rules: Mapping[str, Any] | None = None) -> bool:
    """cloneRequestForEarlyObservability: a text body the gateway may clone for its error handler (a release
    that hands the error handler the request itself, ``early_request_always``, sees every one)."""
    rules = rules or behaviour()["debug"]
    if rules.get("early_request_always"):
        return True
    content_type = (headers.get("content-type") or "").lower()
    if not any(kind in content_type for kind in rules["early_content_types"]):
        return False
    length = headers.get("content-length")
    if length:
        size = js_number(length)
        if math.isfinite(size) and size > rules["early_body_limit"]:
            return False
    return True


def error_debug(
    error: GatewayError, headers: Mapping[str, str], exchange: Exchange, generation_id: str,
    rules: Mapping[str, Any] | None = None, table: ErrorTable | None = None,
) -> dict[str, Any] | None:
    """The error body's ``debug``, with a release's debug switches (``rules``) and error table (``table``)."""
    rules = rules or behaviour()["debug"]
    if not error_debug_requested(headers, rules):
        return None
    if not exchange.executing:
        if not early_request_visible(headers, rules):
            return None
        workspace = None if exchange.stage == Stage.AUTH else rules["workspace_id"]
        return {
            "upstream": (table or base_errors()).internal_body(error, generation_id, workspace),
            "provider_attempts": None,
            "attempt_errors": None,
            "routing": None,
        }
    return _execute_debug(error, exchange, generation_id, table or base_errors())


def _execute_debug(error: GatewayError, exchange: Exchange, generation_id: str, table: ErrorTable) -> dict[str, Any]:
    """guardAllFailed's body (execute/guards.ts L470-491), the attempt logs and the routing state."""
    extra = error.extra
    diagnostics = exchange.routing_diagnostics or {}
    samples: list[dict[str, Any]] = list(extra.get("failure_sample") or [])
    model = diagnostics.get("model")
    upstream = {
        "error": error.code,
        "reason": extra.get("reason"),
        "description": table.description(error),
        "model": model,
        "endpoint": "ocr",
        "request_id": generation_id,
        "attempt_count": extra.get("attempt_count", 0),
        "failed_providers": extra.get("failed_providers", []),
        "failed_statuses": extra.get("failed_statuses", []),
        "failure_sample": samples,
        "provider_payment_required_provider": extra.get("provider_payment_required_provider"),
        "provider_payment_required_support_notice": extra.get("provider_payment_required_support_notice"),
        "routing_diagnostics": extra.get("routing_diagnostics"),
        "provider_enablement": None,
        "provider_candidate_diagnostics": None,
        "provider_failure_diagnostics": extra.get("provider_failure_diagnostics"),
    }
    ranked = diagnostics.get("rankedProviders") or []
    attempts = [
        {
            "attempt_number": index + 1,
            "provider": sample["provider"],
            "endpoint": "ocr",
            "model": model,
            "api_model_id": model,
            "provider_model_slug": ranked[0]["providerModelSlug"] if ranked else None,
            "outcome": sample["type"],
            "type": sample["type"],
            "duration_ms": round(exchange.upstream_ms or 0),
            "status": sample["status"],
            "upstream_error_code": sample["upstream_error_code"],
            "upstream_error_message": sample["upstream_error_message"],
            "upstream_error_description": sample["upstream_error_description"],
            "upstream_error_param": sample["upstream_error_param"],
            "upstream_payload_preview": sample["upstream_payload_preview"],
        }
        for index, sample in enumerate(samples)
    ]
    providers = [entry["providerId"] for entry in diagnostics.get("consideredProviders", [])]
    routing = {
        "requested_params": [],
        "param_routing_diagnostics": {
            "requestedParams": [],
            "unknownParams": [],
            "providerCountBefore": len(providers),
            "providerCountAfter": len(providers),
            "perParamSupport": [],
            "droppedProviders": [],
        },
        "provider_enablement_diagnostics": {
            "capability": "ocr",
            "providersBefore": providers,
            "providersAfter": providers,
            "dropped": [],
        },
        "routing_snapshot": [
            {"provider": entry["providerId"], "breaker": entry["breaker"], "breaker_until_ms": entry["breakerUntilMs"],
             "score": entry["score"]}
            for entry in ranked
        ],
        "routing_diagnostics": diagnostics or None,
    }
    return {
        "upstream": upstream,
        "provider_attempts": attempts,
        "attempt_errors": samples,
        "routing": routing,
    }
