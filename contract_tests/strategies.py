"""Hypothesis strategies that steer requests toward what the gateway does with them.

schemathesis alone draws random strings for ``model`` and ``image``, so nearly every schema-valid request
stops at "unknown model". These strategies draw catalog models (and near misses), tiny real images as
URLs, data URLs and bare base64, debug and provider options in combination, and for negative data the
requests that break several of the gateway's rules at once (``check_order``).
"""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from mockserver.gateway.auth import BEARER

from .images import ENCODERS, bare_base64, data_url
from .reference import contract

Body = dict[str, Any]

PROVIDER_IDS = ["mistral", " Mistral ", "MISTRAL", "google", "atlascloud", "openai", ""]
DEBUG_HEADER_VALUES = ["true", "1", "yes", "no", "false"]
# Whitespace on which JavaScript's trim() and Python's strip() disagree, and some on which they agree
WHITESPACE = ["", " ", "\t", "\n", "\u00a0", "\u3000", "\ufeff", "\x1c", "\x1f", "\x85"]


def catalog_models() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(contract().catalog.models))


def ocr_models() -> st.SearchStrategy[str]:
    """The models a request succeeds on."""
    return st.sampled_from(sorted(m for m in contract().catalog.models if contract().priced_offer(m) is not None))


def models() -> st.SearchStrategy[str]:
    """Mostly OCR models, then other catalog ids (padded with whitespace now and then), near misses, blanks, noise."""
    padded = st.builds(
        lambda pad, model, end: pad + model + end,
        st.sampled_from(WHITESPACE),
        catalog_models(),
        st.sampled_from(WHITESPACE),
    )
    near_misses = catalog_models().map(str.upper) | catalog_models().map(lambda m: m.replace("/", "-"))
    blanks = st.lists(st.sampled_from(WHITESPACE[1:]), min_size=1, max_size=3).map("".join)
    return st.one_of(
        ocr_models(),
        ocr_models(),
        ocr_models(),
        catalog_models(),
        padded,
        near_misses,
        blanks,
        st.text(min_size=1, max_size=12),
    )


@st.composite
def image_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(ENCODERS)))
    width = draw(st.integers(1, 4))
    height = draw(st.integers(1, 4))
    colour = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
    pixels = draw(st.lists(colour, min_size=1, max_size=4))
    return kind, ENCODERS[kind](width, height, pixels)


def images() -> st.SearchStrategy[str]:
    """The three shapes the gateway accepts: a URL, a data URL, bare base64 (also wrapped in lines)."""
    urls = st.builds(
        lambda kind, n: f"https://example.com/contract-suite/{n}.{kind}",
        st.sampled_from(sorted(ENCODERS)),
        st.integers(0, 999),
    )
    data_urls = image_bytes().map(lambda item: data_url(*item))
    bare = image_bytes().map(lambda item: bare_base64(item[1]))
    wrapped = bare.map(lambda text: "\n".join(text[i : i + 16] for i in range(0, len(text), 16)))
    return st.one_of(data_urls, bare, urls, wrapped)


def debug_options() -> st.SearchStrategy[dict[str, Any]]:
    levels = st.sampled_from(["summary", "full"])
    return st.fixed_dictionaries(
        {},
        optional={
            "enabled": st.booleans(),
            "return_upstream_request": st.booleans(),
            "return_upstream_response": st.booleans(),
            "trace": st.booleans(),
            "trace_level": levels,
            "echo_upstream_body": st.booleans(),
            "returnUpstreamRequest": st.booleans(),
            "returnUpstreamResponse": st.booleans(),
            "traceLevel": levels,
        },
    )


def provider_options(*, unsupported_filters: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    ids = st.lists(st.sampled_from(PROVIDER_IDS) | st.text(max_size=6), max_size=3)
    options = st.fixed_dictionaries(
        {},
        optional={
            "order": ids,
            "only": ids,
            "ignore": ids,
            "include_alpha": st.booleans(),
            "includeAlpha": st.booleans(),
            "allow_fallbacks": st.none() | st.booleans(),
            # routing knobs OCR accepts and ignores (core/schemas.ts:15-62 at bff496d80)
            "sort": st.none() | st.sampled_from(["price", "latency"]) | st.just({"by": "price"}),
            "mode": st.none() | st.sampled_from(["fallback", "any"]),
            "requireParameters": st.none() | st.booleans(),
            "zdr": st.none() | st.booleans(),
            "max_price": st.fixed_dictionaries({}, optional={"request": st.sampled_from([1, "0.5"])}),
            "preferredMinThroughput": st.sampled_from([10, {"mistral": 5}]),
        },
    )
    if not unsupported_filters:
        return options
    # Rare on purpose: any of these turns the request into a 400 (unsupported_routing_filter)
    filters = st.fixed_dictionaries(
        {},
        optional={
            "quantizations": st.none() | st.lists(st.sampled_from(["int8", "fp8"]), max_size=2),
            "data_collection": st.none() | st.sampled_from(["allow", "deny"]),
            "enforce_distillable_text": st.none() | st.booleans(),
        },
    )
    return st.builds(
        lambda base, extra, use: {**base, **(extra if use else {})},
        options,
        filters,
        st.sampled_from([False, False, False, True]),
    )


_KNOWN_KEYS = {"model", "image", "language", "echo_upstream_request", "debug", "provider", "beta", "routing"}
# beta's own keys are typed (core/schemas.ts:76-83); others are kept as they are
_BETA_KEYS = {"openai_websocket_mode", "openaiWebsocketMode", "openai"}
json_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5)


def valid_bodies() -> st.SearchStrategy[Body]:
    """Schema-valid OCR requests, with the options the gateway reads combined."""
    unknown_keys = st.dictionaries(
        st.text(string.ascii_letters + "_", min_size=1, max_size=8).filter(lambda k: k not in _KNOWN_KEYS),
        json_scalars,
        max_size=2,
    )
    body = st.fixed_dictionaries(
        {"model": models(), "image": images()},
        optional={
            "language": st.sampled_from(["en", "fr", "de", "ja"]) | st.text(max_size=5),
            "echo_upstream_request": st.booleans(),
            "debug": debug_options(),
            "provider": provider_options(),
            "routing": provider_options(unsupported_filters=False),
            "beta": st.fixed_dictionaries({}, optional={"openai": st.just({"websocket_mode": False})})
            | st.dictionaries(st.text(max_size=4).filter(lambda k: k not in _BETA_KEYS), json_scalars, max_size=2),
        },
    )
    return st.builds(lambda extra, main: {**extra, **main}, unknown_keys, body)


def debug_headers() -> st.SearchStrategy[dict[str, str]]:
    return st.sampled_from([{}, {}, *({"x-gateway-debug": value} for value in DEBUG_HEADER_VALUES)])


# Bodies that break the schema, from the contract's table of validation messages
SCHEMA_INVALID: list[Any] = [
    {"image": "aGVsbG8="},
    {"model": "", "image": "aGVsbG8="},
    {"model": 123, "image": "aGVsbG8="},
    {"model": "mistral/ocr-3", "image": {"url": "https://example.com/a.png"}},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "echo_upstream_request": "yes"},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "debug": {"trace_level": "verbose"}},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "provider": {"only": "mistral"}},
    # zod 4's own rules (core/schemas.ts at bff496d80; contract_tests/zod_rules.py): unions, enums, aliases, order
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "provider": {"sort": 1, "max_price": {"request": []}}},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "provider": {"data_collection": "maybe", "allowFallbacks": 1}},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "routing": {"preferredMaxLatency": {"mistral": "1"}}},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "debug": {"traceLevel": 1, "echo_upstream_body": "yes"}},
    {"model": "mistral/ocr-3", "image": "aGVsbG8=", "beta": {"openai": {"websocketMode": "x"}}, "debug": None},
    {"model": [], "image": {"length": 0}},
    [],
    None,
    "x",
    {},
]
# Bodies that are not JSON at all
NOT_JSON: list[bytes] = [
    b"",
    b"{",
    b'{"model": "mistral/ocr-3",}',
    b"NaN",
    b"{'model': 1}",
    b"model=mistral/ocr-3",
    b'{"model": "mistral/ocr-3", "image": "aGVsbG8=", "language": NaN}',
]


def refused_authorizations(key: str) -> list[str | None]:
    """Authorization header values the gateway refuses (None: no header)."""
    return [None, f"bearer {key}", f"Token {key}", "Bearer not-a-key", "Bearer aistats_v1_sk_short_secret", "Bearer "]


@st.composite
def rule_breakers(draw: st.DrawFn, key: str) -> tuple[str | None, Any, bytes | None]:
    """(Authorization, JSON body, raw body) breaking one or several rules at once; raw wins over JSON.

    Half carry the run's key, so the rules after auth get their turn; a valid body always has a refused key.
    """
    refused = refused_authorizations(key)
    kind = draw(st.sampled_from(["not_json", "schema", "blank_model", "semantic", "valid"]))
    ours: list[str | None] = [f"{BEARER}{key}"]
    keys = refused if kind == "valid" else ours * len(refused) + refused
    authorization = draw(st.sampled_from(keys))
    raw: bytes | None = None
    body: Any = None
    if kind == "not_json":
        raw = draw(st.sampled_from(NOT_JSON) | st.binary(max_size=12))
    elif kind == "schema":
        body = draw(st.sampled_from(SCHEMA_INVALID))
    else:
        body = draw(valid_bodies())
        if kind == "blank_model":
            body["model"] = draw(st.sampled_from(WHITESPACE[1:]))
            body["provider"] = {"only": ["google"]}
        elif kind == "semantic":
            body["model"] = draw(st.sampled_from(["no/such-model", "openai/gpt-5-nano", "mistral/ocr-2"]))
            body["provider"] = draw(st.sampled_from([{"only": ["google"]}, {"quantizations": ["int8"]}, {}]))
    return authorization, body, raw
