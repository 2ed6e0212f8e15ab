"""A failed provider call, rendered as the gateway renders it: 502 ``upstream_error`` (or
``provider_payment_required`` for a provider 402), with the failure sample, hint and diagnostics.
OCR has one provider and no retry, so there is exactly one attempt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import orjson

from mockserver.gateway.errors import GatewayError
from mockserver.gateway.validation import js_trim
from mockserver.resources import data_path, load_yaml


@dataclass(frozen=True)
class ProviderError:
    """What the provider answered: its HTTP status and, when it said, its error fields and body.

    ``payload`` is the body: a JSON value (object, array, number...) for a JSON body; a string is a
    body that is not JSON (the gateway parses error bodies only when they are JSON)."""

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


def truncated(value: Any) -> str | None:
    """truncateAttemptText (execute/index.ts L96-102): trimmed; blank is null; cut with a marker."""
    if not isinstance(value, str):
        return None
    text = js_trim(value)
    if not text:
        return None
    limit: int = _rules()["preview_chars"]
    return text if len(text) <= limit else f"{text[:limit]}...[truncated {len(text) - limit} chars]"


def compact(value: str | None, limit: int) -> str | None:
    """normalizeText (execute/guards.ts L29-35): whitespace collapsed, cut at ``limit`` with "..."."""
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        return None
    return text if len(text) <= limit else f"{text[: limit - 1]}..."


def _rule_matches(rule: dict[str, Any], status: int, code: str, haystack: str) -> bool:
    return (
        code in rule.get("codes", ())
        or any(code.startswith(prefix) for prefix in rule.get("code_prefixes", ()))
        or any(code.endswith(suffix) for suffix in rule.get("code_suffixes", ()) if code)
        or any(keyword in haystack for keyword in rule.get("keywords", ()))
        or _covers(rule.get("statuses", []), status)
        or (
            _covers(rule.get("keyword_statuses", []), status)
            and any(keyword in haystack for keyword in rule.get("status_keywords", ()))
        )
    )


def diagnostics_for(failure: ProviderError, provider: str) -> dict[str, Any] | None:
    """classifyProviderFailureDiagnostics (execute/guards.ts L64-261): code and keywords before status."""
    code = (compact(truncated(failure.code), 160) or "").lower()
    haystack = " ".join(
        part
        for part in (
            code,
            compact(truncated(failure.message), 240),
            compact(truncated(failure.description), 320),
            compact(truncated(failure.param), 240),
        )
        if part
    ).lower()
    for rule in _rules()["diagnostics"]:
        if _rule_matches(rule, failure.status, code, haystack):
            return {"category": rule["category"], "hint": rule["hint"], "provider": provider}
    return None


def _description(sample: dict[str, Any], provider: str, model: str) -> str:
    status = sample["status"]
    code = compact(sample["upstream_error_code"], 80)
    message = compact(sample["upstream_error_message"], 180)
    detail = compact(sample["upstream_error_description"], 180)
    param = compact(sample["upstream_error_param"], 240)
    sentences = [f'Provider "{provider}" failed with HTTP {status} for endpoint "ocr" on model "{model}".']
    if code:
        sentences.append(f"Upstream code: {code}.")
    if message:
        sentences.append(f"Upstream message: {message}.")
    if detail and detail != message:
        sentences.append(f"Upstream detail: {detail}.")
    if param and param not in (message, detail):
        sentences.append(f"Upstream param: {param}.")
    hint = hint_for(status)
    if hint:
        sentences.append(f"Hint: {hint}")
    sentences.append("Inspect failure_sample for per-attempt diagnostics.")
    return " ".join(sentences)


def _preview(payload: Any) -> str:
    """The body as JSON text, cut like the other fields; "null" when it was not JSON (or empty)."""
    if payload is None or isinstance(payload, str):
        return "null"
    text = orjson.dumps(payload).decode()
    limit: int = _rules()["preview_chars"]
    return text if len(text) <= limit else f"{text[:limit]}...[truncated {len(text) - limit} chars]"


def _error_code(value: Any) -> str | None:
    """normalizeUpstreamErrorCode (execute/index.ts L120-136): a "#namespace" prefix and ":suffix" cut."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    text = text[text.rfind("#") + 1 :] if "#" in text else text
    text = text[: text.index(":")] if ":" in text else text
    return truncated(text)


TRUNCATED_SUFFIX = "...[upstream error body truncated]"


def read_capped(failure: ProviderError, body_cap: int | None) -> tuple[ProviderError, bool]:
    """The failure as a gateway that reads at most ``body_cap`` bytes of the body sees it (2026-08:
    execute/index.ts 101, 286-344): a longer body is cut, is then no JSON, so its error fields are unknown."""
    if body_cap is None or failure.payload is None:
        return failure, False
    text = failure.payload if isinstance(failure.payload, str) else orjson.dumps(failure.payload).decode()
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= body_cap:
        return failure, False
    cut = raw[:body_cap].decode("utf-8", "replace")
    return ProviderError(status=failure.status, payload=cut), True


def _text(value: Any) -> str | None:
    return truncated(value) if isinstance(value, str) else None


def summary_of(payload: Any) -> dict[str, str | None]:
    """extractUpstreamErrorSummary (execute/index.ts L138-232): the error fields the gateway reads from
    a JSON error body (code, message, description, param)."""
    if not isinstance(payload, dict):
        return {"code": None, "message": None, "description": None, "param": None}
    error = payload.get("error")
    inner: dict[str, Any] = error if isinstance(error, dict) else {}
    named: tuple[str, Any] | None = next(
        ((k, v) for k, v in payload.items()
         if str(k).lower().endswith("exception") and v and isinstance(v, dict | list)),
        None,
    )
    named_body: dict[str, Any] = named[1] if named is not None and isinstance(named[1], dict) else {}
    fallback_code = (
        _error_code(payload.get("__type"))
        or (_error_code(named[0]) if named else None)
        or _error_code(payload.get("status"))
        or next((payload[k] for k in ("error", "code", "error_code") if isinstance(payload.get(k), str)), None)
    )
    param = _text(inner.get("param")) or _text(payload.get("param"))
    message = _text(inner.get("message")) or _text(named_body.get("message")) or _text(payload.get("message"))
    if param and message and re.fullmatch(r"param\s+incorrect", message, re.IGNORECASE):
        message = f"{message}: {param}"
    return {
        "code": _error_code(inner.get("code")) or _error_code(inner.get("status")) or _error_code(inner.get("type"))
        or _error_code(fallback_code),
        "message": message,
        "description": _text(inner.get("description")) or param
        or _text(named_body.get("description")) or _text(payload.get("description")),
        "param": param,
    }


def upstream_failure(
    failure: ProviderError, provider: str, model: str, routing_diagnostics: dict[str, Any],
    body_cap: int | None = None,
) -> GatewayError:
    """The gateway's answer to one failed provider call on ``model`` (the gateway model id).

    Every upstream failure carries ``routing_diagnostics`` (execute/guards.ts L451, L487). The error
    fields are read from a JSON ``payload`` as the gateway reads them; the script's own fields win.
    ``body_cap``: the most of the provider's body the release reads (None: all of it); a longer body is cut,
    no longer JSON, and its preview is the cut text's with the gateway's suffix."""
    failure, cut = read_capped(failure, body_cap)
    derived = summary_of(failure.payload)
    preview = f"{truncated(failure.payload) or ''}{TRUNCATED_SUFFIX}" if cut else _preview(failure.payload)
    sample = {
        "provider": provider,
        "type": "upstream_non_2xx",
        "status": failure.status,
        "upstream_error_code": truncated(failure.code) or derived["code"],
        "upstream_error_message": truncated(failure.message) or derived["message"],
        "upstream_error_description": truncated(failure.description) or derived["description"],
        "upstream_error_param": truncated(failure.param) or derived["param"],
        "upstream_payload_preview": preview,
        "retryable": _rules()["retryable"],
    }
    extra: dict[str, Any] = {
        "attempt_count": 1,
        "failed_providers": [provider],
        "failed_statuses": [failure.status],
        "failure_sample": [sample],
        "upstream_error": {
            "code": sample["upstream_error_code"],
            "message": sample["upstream_error_message"],
            "description": sample["upstream_error_description"],
            "param": sample["upstream_error_param"],
        },
        "routing_diagnostics": routing_diagnostics,
    }
    diagnostics = diagnostics_for(
        ProviderError(
            status=failure.status,
            code=sample["upstream_error_code"],
            message=sample["upstream_error_message"],
            description=sample["upstream_error_description"],
            param=sample["upstream_error_param"],
        ),
        provider,
    )
    if diagnostics is not None:
        extra["provider_failure_diagnostics"] = diagnostics
    if failure.status == 402:
        return GatewayError(
            "provider_payment_required",
            fill={"provider": provider},
            reason="upstream_provider_payment_required",
            provider_payment_required_provider=provider,
            provider_payment_required_support_notice=_rules()["payment_support_notice"],
            **extra,
        )
    return GatewayError(
        "upstream_error", _description(sample, provider, model), reason="all_candidates_failed", **extra
    )
