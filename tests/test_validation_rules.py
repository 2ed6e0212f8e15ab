"""The 400 ``validation_error`` for each field of the 2026-07 OCR schema: request in, response out, with the source.

Every case cites ``apps/api/src/core/schemas.ts`` at bff496d80 (lines below as ``:N``): the field's zod schema. The
expected details are checked twice: against the mock over HTTP, and against zod 4.4.3 itself (``tests/zod_oracle``),
so no answer here is written from memory. The 400 body is built by guardZod (pipeline/before/guards.ts:334-348),
formatZodErrors (pipeline/before/utils.ts:13-20: message, path, keyword = zod's code, params {}) and handleError
(core/error-handler.ts:291-313: description = first detail, "<message> at <path>").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.gateway.spec import load_spec
from mockserver.gateway.validation import BodyValidator
from tests.helpers import TINY_PNG_B64, expect_error, post_ocr
from tests.zod_oracle import ZodOracle

BASE = {"model": "mistral/ocr-3", "image": TINY_PNG_B64}
VALIDATOR = BodyValidator(load_spec())
Path = list[str | int]


def wrong_type(path: Path, expected: str, received: str) -> dict[str, Any]:
    return _detail(f"Invalid input: expected {expected}, received {received}", path, "invalid_type")


def union(path: Path) -> dict[str, Any]:
    return _detail("Invalid input", path, "invalid_union")


def option(path: Path, *options: str) -> dict[str, Any]:
    listed = "|".join(f'"{o}"' for o in options)
    return _detail(f"Invalid option: expected one of {listed}", path, "invalid_value")


def too_small(path: Path, expected: str) -> dict[str, Any]:
    return _detail(f"Too small: expected {expected}", path, "too_small")


def _detail(message: str, path: Path, keyword: str) -> dict[str, Any]:
    return {"message": message, "path": path, "keyword": keyword, "params": {}}


@dataclass(frozen=True)
class Case:
    name: str
    source: str  # schemas.ts lines at bff496d80
    body: dict[str, Any]  # merged over BASE; a key set to ... is removed
    details: list[dict[str, Any]] = field(default_factory=list)  # empty: zod accepts the body

    def request(self) -> dict[str, Any]:
        merged = {**BASE, **self.body}
        return {key: value for key, value in merged.items() if value is not ...}


P = "provider"
CASES = [
    Case("mode is a string or null", ":17", {P: {"mode": 1}}, [wrong_type([P, "mode"], "string", "number")]),
    Case("mode may be null", ":17", {P: {"mode": None}}),
    Case("only holds strings", ":19", {P: {"only": ["mistral", 2]}}, [wrong_type([P, "only", 1], "string", "number")]),
    Case(
        "includeAlpha, the alias, is checked",
        ":22",
        {P: {"includeAlpha": "true"}},
        [wrong_type([P, "includeAlpha"], "boolean", "string")],
    ),
    Case(
        "include_alpha is not nullable",
        ":21",
        {P: {"include_alpha": None}},
        [wrong_type([P, "include_alpha"], "boolean", "null")],
    ),
    Case(
        "allowFallbacks is a boolean or null",
        ":25",
        {P: {"allowFallbacks": 1}},
        [wrong_type([P, "allowFallbacks"], "boolean", "number")],
    ),
    Case(
        "require_parameters and its alias",
        ":26-27",
        {P: {"require_parameters": "no", "requireParameters": None}},
        [wrong_type([P, "require_parameters"], "boolean", "string")],
    ),
    Case(
        "the region fields are strings or null",
        ":28-31",
        {P: {"requiredExecutionRegion": ["eu"], "required_data_region": None, "requiredDataRegion": 1}},
        [
            wrong_type([P, "requiredExecutionRegion"], "string", "array"),
            wrong_type([P, "requiredDataRegion"], "string", "number"),
        ],
    ),
    Case(
        "require_zero_data_retention and zdr",
        ":32-36",
        {P: {"requireZeroDataRetention": 0, "zdr": "true"}},
        [wrong_type([P, "requireZeroDataRetention"], "boolean", "number"), wrong_type([P, "zdr"], "boolean", "string")],
    ),
    Case(
        "data_collection outside its enum is refused by the schema",
        ":34",
        {P: {"data_collection": "maybe"}},
        [option([P, "data_collection"], "allow", "deny")],
    ),
    Case(
        "an enum given a number: invalid_value only",
        ":35",
        {P: {"dataCollection": 1}},
        [option([P, "dataCollection"], "allow", "deny")],
    ),
    Case(
        "enforceDistillableText is a boolean or null",
        ":38",
        {P: {"enforceDistillableText": "yes"}},
        [wrong_type([P, "enforceDistillableText"], "boolean", "string")],
    ),
    Case(
        "quantizations is a list of strings",
        ":39",
        {P: {"quantizations": "int8"}},
        [wrong_type([P, "quantizations"], "array", "string")],
    ),
    Case(
        "quantizations items",
        ":39",
        {P: {"quantizations": [1]}},
        [wrong_type([P, "quantizations", 0], "string", "number")],
    ),
    Case("sort: a number fits no option of the union", ":40", {P: {"sort": 1}}, [union([P, "sort"])]),
    Case("sort: an array is not a record", ":40", {P: {"sort": ["price"]}}, [union([P, "sort"])]),
    Case("sort: a string, an object or null", ":40", {P: {"sort": {"by": "price", "partition": None}}}),
    Case(
        "max_price is an object, not null",
        ":41-47",
        {P: {"max_price": None}},
        [wrong_type([P, "max_price"], "object", "null")],
    ),
    Case(
        "max_price caps are numbers or strings",
        ":42-46",
        {P: {"max_price": {"prompt": "1", "request": []}}},
        [union([P, "max_price", "request"])],
    ),
    Case(
        "maxPrice, the alias, is checked",
        ":48-54",
        {P: {"maxPrice": {"image": True, "other": []}}},
        [union([P, "maxPrice", "image"])],
    ),
    Case(
        "preferred_min_throughput: a number or numbers by provider",
        ":55",
        {P: {"preferred_min_throughput": "x"}},
        [union([P, "preferred_min_throughput"])],
    ),
    Case(
        "preferredMaxLatency: a record of numbers",
        ":58",
        {P: {"preferredMaxLatency": {"mistral": "1"}}},
        [union([P, "preferredMaxLatency"])],
    ),
    Case("preferred_max_latency: valid forms", ":57", {P: {"preferred_max_latency": {"mistral": 1.5}}}),
    Case(
        "a record skips the key __proto__ (zod 4's $ZodRecord), so its value is not checked",
        ":55",
        {P: {"preferred_min_throughput": {"__proto__": "x"}}},
    ),
    Case(
        "diagnostics and returnDiagnostics",
        ":59-61",
        {P: {"diagnostics": "on", "returnDiagnostics": 1}},
        [
            wrong_type([P, "diagnostics"], "boolean", "string"),
            wrong_type([P, "returnDiagnostics"], "boolean", "number"),
        ],
    ),
    Case("unknown routing keys are kept, not refused", ":62", {P: {"foo": {"bar": 1}}}),
    Case(
        "routing has the same schema as provider",
        ":1175",
        {"routing": {"sort": 1, "mode": False}},
        [wrong_type(["routing", "mode"], "string", "boolean"), union(["routing", "sort"])],
    ),
    Case(
        "provider issues in the schema's order, not the body's",
        ":15-62",
        {P: {"returnDiagnostics": 0, "sort": 1, "only": "x", "mode": 1}},
        [
            wrong_type([P, "mode"], "string", "number"),
            wrong_type([P, "only"], "array", "string"),
            union([P, "sort"]),
            wrong_type([P, "returnDiagnostics"], "boolean", "number"),
        ],
    ),
    Case(
        "debug.echo_upstream_body is a boolean",
        ":66",
        {"debug": {"echo_upstream_body": "yes"}},
        [wrong_type(["debug", "echo_upstream_body"], "boolean", "string")],
    ),
    Case(
        "debug.traceLevel given a number: invalid_value only",
        ":73",
        {"debug": {"traceLevel": 1}},
        [option(["debug", "traceLevel"], "summary", "full")],
    ),
    Case(
        "debug.trace_level given null: invalid_value only",
        ":72",
        {"debug": {"trace_level": None}},
        [option(["debug", "trace_level"], "summary", "full")],
    ),
    Case(
        "beta.openai_websocket_mode is a boolean",
        ":77",
        {"beta": {"openai_websocket_mode": "x"}},
        [wrong_type(["beta", "openai_websocket_mode"], "boolean", "string")],
    ),
    Case(
        "beta.openai.websocketMode is a boolean",
        ":81",
        {"beta": {"openai": {"websocketMode": 1}}},
        [wrong_type(["beta", "openai", "websocketMode"], "boolean", "number")],
    ),
    Case(
        "beta.openai is an object",
        ":79-82",
        {"beta": {"openai": []}},
        [wrong_type(["beta", "openai"], "object", "array")],
    ),
    Case("beta is an object, not null", ":76-83", {"beta": None}, [wrong_type(["beta"], "object", "null")]),
    Case("beta keeps unknown keys", ":83", {"beta": {"anthropic": {"x": 1}}}),
    Case(
        "beta comes before provider",
        ":1172-1174",
        {P: {"only": 1}, "beta": 1, "debug": 1},
        [
            wrong_type(["debug"], "object", "number"),
            wrong_type(["beta"], "object", "number"),
            wrong_type([P, "only"], "array", "number"),
        ],
    ),
    Case(
        "model: an empty array gets the length check too",
        ":1168",
        {"model": []},
        [wrong_type(["model"], "string", "array"), too_small(["model"], "array to have >=1 items")],
    ),
    Case(
        "image: an object with a short length",
        ":1169",
        {"image": {"length": "0"}},
        [wrong_type(["image"], "string", "object"), too_small(["image"], "unknown to be >=1")],
    ),
    Case(
        "image: an object whose length is long enough",
        ":1169",
        {"image": {"length": [3]}},
        [wrong_type(["image"], "string", "object")],
    ),
    Case(
        "a missing image after a bad model",
        ":1168-1169",
        {"model": [""], "image": ...},
        [wrong_type(["model"], "string", "array"), wrong_type(["image"], "string", "undefined")],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_zod_gives_these_details(oracle: ZodOracle, case: Case) -> None:
    """The recorded answer is zod's own."""
    verdict = oracle.validate("2026-07", case.request())
    assert verdict.get("details", []) == case.details


@pytest.mark.parametrize("case", [case for case in CASES if case.details], ids=lambda case: case.name)
def test_the_mock_answers_400_with_these_details(client: TestClient, case: Case) -> None:
    first = case.details[0]
    path = ".".join(map(str, first["path"]))
    response = post_ocr(client, case.request())
    expect_error(response, 400, "validation_error", f"{first['message']} at {path}", details=case.details)


@pytest.mark.parametrize("case", [case for case in CASES if not case.details], ids=lambda case: case.name)
def test_the_mock_lets_these_through_validation(client: TestClient, case: Case) -> None:
    assert VALIDATOR.validate(case.request()) == []
    response = post_ocr(client, case.request())
    assert response.status_code == 200, response.json()


@pytest.mark.parametrize(
    "options",
    [{"quantizations": ["int8"]}, {"dataCollection": "deny"}, {"enforce_distillable_text": False}],
    ids=["quantizations", "dataCollection", "enforce_distillable_text"],
)
def test_unsupported_routing_filters_pass_the_schema_and_are_refused_apart(
    oracle: ZodOracle, client: TestClient, options: dict[str, Any]
) -> None:
    """zod accepts these values (schemas.ts:34-39); the refusal is collectUnsupportedRoutingFields
    (pipeline/requestRouting.ts:236-290 at bff496d80), a later step with its own keyword and params."""
    body = {**BASE, "routing": options}
    assert oracle.validate("2026-07", body) == {"ok": True}
    assert VALIDATOR.validate(body) == []
    (name,) = options
    details = post_ocr(client, body).json()["details"]
    assert [(d["path"], d["keyword"]) for d in details] == [(["routing", name], "unsupported_routing_filter")]
