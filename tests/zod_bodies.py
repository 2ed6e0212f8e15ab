"""Hypothesis strategies for OCR request bodies as the 2026-07 gateway's schema sees them (core/schemas.ts at
bff496d80: OcrSchema :1167-1176, ProviderRoutingSchema :15-62, DebugOptionsSchema :64-74, BetaOptionsSchema :76-83).

Every field of the schema appears, each spelling of an aliased field on its own. A field holds a value of its
type most of the time and, one time in ``odds``, anything: another JSON type, null, a near-miss enum value, an
empty string or array, an object with a ``length`` key (zod's length check runs on it), a nested object. Unknown
keys are mixed in at every level, and some bodies are not objects at all.
"""

from __future__ import annotations

import zlib
from typing import Any

from hypothesis import strategies as st

Strategy = st.SearchStrategy[Any]

_text = st.text(max_size=5)
# Numbers a JSON parser reads alike in Python and JavaScript (finite doubles; integers well inside a double's range)
numbers = st.integers(min_value=-(2**64), max_value=2**64) | st.floats(allow_nan=False, allow_infinity=False)
scalars = st.none() | st.booleans() | numbers | _text | st.sampled_from(["", "length", "allow", "full", "1"])
keys = st.sampled_from(["", "a", "length", "__proto__", "model", "mode", "openai", "prompt", "only"]) | st.text(
    max_size=4
)
_shallow = scalars | st.lists(scalars, max_size=2) | st.dictionaries(keys, scalars, max_size=2)
json_values = _shallow | st.lists(_shallow, max_size=2) | st.dictionaries(keys, _shallow, max_size=2)
# `{"length": ...}`: zod compares its length with the minimum even after the wrong type (see jsvalues.py)
length_objects = st.fixed_dictionaries({"length": _shallow}, optional={"a": scalars})
wrong: Strategy = (
    st.sampled_from(["", [], [""], {}, None, 0, True, "Full", "SUMMARY", "verbose", "maybe", "Allow"])
    | json_values
    | length_objects
)


def field(valid: Strategy, odds: int) -> Strategy:
    """A field's value: one in ``odds`` is anything at all, the others valid."""
    return st.sampled_from(range(odds)).flatmap(lambda draw: wrong if draw == 0 else valid)


def obj(fields: dict[str, Strategy], odds: int, *, required: tuple[str, ...] = ()) -> Strategy:
    """Objects with any subset of ``fields`` (always ``required``, unless ``odds`` decides otherwise), plus unknown
    keys; key order is shuffled, since zod reports in the schema's order, not the body's."""
    optional = {name: field(value, odds) for name, value in fields.items() if name not in required}
    present = {name: field(fields[name], odds) for name in required}
    known = st.fixed_dictionaries(present, optional=optional)
    unknown = st.dictionaries(keys, json_values, max_size=2)
    return st.tuples(known, unknown, st.integers(min_value=0, max_value=3)).map(_merge)


def _merge(parts: tuple[dict[str, Any], dict[str, Any], int]) -> dict[str, Any]:
    """Known and unknown keys together, in one of a few orders (cheaper than a shuffle, and as telling)."""
    known, unknown, salt = parts
    items = [*({k: v for k, v in unknown.items() if k not in known}).items(), *known.items()]
    if salt:
        items.sort(key=lambda item: zlib.crc32(f"{salt}{item[0]}".encode()))
    return dict(items)


def _aliased(snake: str, camel: str, value: Strategy) -> dict[str, Strategy]:
    return {snake: value, camel: value}


def routing_hints(odds: int) -> Strategy:
    """``provider`` / ``routing`` (ProviderRoutingSchema, schemas.ts:15-62)."""
    boolean = st.booleans()
    nullable_boolean = st.none() | st.booleans()
    nullable_string = st.none() | _text
    strings = st.lists(_text | st.sampled_from(["mistral", " Mistral "]), max_size=3)
    cap = numbers | _text  # z.union([z.number(), z.string()])
    per_provider = numbers | st.dictionaries(keys, numbers, max_size=2)  # number | record(string, number)
    price = obj({name: cap for name in ("prompt", "completion", "image", "audio", "request")}, odds)
    return obj(
        {
            "mode": nullable_string,
            "order": strings,
            "only": strings,
            "ignore": strings,
            **_aliased("include_alpha", "includeAlpha", boolean),
            **_aliased("allow_fallbacks", "allowFallbacks", nullable_boolean),
            **_aliased("require_parameters", "requireParameters", nullable_boolean),
            **_aliased("required_execution_region", "requiredExecutionRegion", nullable_string),
            **_aliased("required_data_region", "requiredDataRegion", nullable_string),
            **_aliased("require_zero_data_retention", "requireZeroDataRetention", nullable_boolean),
            **_aliased("data_collection", "dataCollection", st.sampled_from(["allow", "deny", None])),
            "zdr": nullable_boolean,
            **_aliased("enforce_distillable_text", "enforceDistillableText", nullable_boolean),
            "quantizations": st.none() | strings,
            "sort": st.none() | _text | st.dictionaries(keys, json_values, max_size=2),
            **_aliased("max_price", "maxPrice", price),
            **_aliased("preferred_min_throughput", "preferredMinThroughput", per_provider),
            **_aliased("preferred_max_latency", "preferredMaxLatency", per_provider),
            "diagnostics": nullable_boolean,
            **_aliased("return_diagnostics", "returnDiagnostics", nullable_boolean),
        },
        odds,
    )


def debug_options(odds: int) -> Strategy:
    """``debug`` (DebugOptionsSchema, schemas.ts:64-74)."""
    level = st.sampled_from(["summary", "full"])
    return obj(
        {
            "enabled": st.booleans(),
            "echo_upstream_body": st.booleans(),
            **_aliased("return_upstream_request", "returnUpstreamRequest", st.booleans()),
            **_aliased("return_upstream_response", "returnUpstreamResponse", st.booleans()),
            "trace": st.booleans(),
            **_aliased("trace_level", "traceLevel", level),
        },
        odds,
    )


def beta_options(odds: int) -> Strategy:
    """``beta`` (BetaOptionsSchema, schemas.ts:76-83)."""
    openai = obj(_aliased("websocket_mode", "websocketMode", st.booleans()), odds)
    return obj({**_aliased("openai_websocket_mode", "openaiWebsocketMode", st.booleans()), "openai": openai}, odds)


def requests(odds: int, *, required: tuple[str, ...] = ("model", "image")) -> Strategy:
    """Request objects (OcrSchema, schemas.ts:1167-1176) in which one field in ``odds`` holds anything."""
    model = st.sampled_from(["mistral/ocr-3", " ", "m"]) | st.text(min_size=1, max_size=5)
    return obj(
        {
            "model": model,
            "image": st.sampled_from(["https://example.com/page.png", "aGVsbG8="]) | st.text(min_size=1, max_size=5),
            "language": _text,
            "echo_upstream_request": st.booleans(),
            "debug": debug_options(odds),
            "beta": beta_options(odds),
            "provider": routing_hints(odds),
            "routing": routing_hints(odds),
        },
        odds,
        required=required,
    )


# Mostly valid bodies with the odd error (single issues, nested ones), bodies with many errors at once (their
# order), bodies missing model or image, and values that are not objects at all.
_kinds = [requests(odds=60), requests(odds=60), requests(odds=6), requests(odds=4, required=()), wrong]
bodies: Strategy = st.sampled_from(range(len(_kinds))).flatmap(_kinds.__getitem__)
