"""The request body: JSON parsing (check 2) and schema validation (check 3), in the gateway's words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.helpers import AUTH, expect_error, post_ocr

IMAGE = "https://example.com/invoice.png"
MODEL = "mistral/ocr-3"


def detail(message: str, path: list[Any], keyword: str, **params: Any) -> dict[str, Any]:
    return {"message": message, "path": path, "keyword": keyword, "params": params}


def expect_validation(response: Any, *details: dict[str, Any]) -> None:
    first = details[0]
    where = ".".join(map(str, first["path"]))
    description = f"{first['message']} at {where}" if where else first["message"]
    expect_error(response, 400, "validation_error", description, details=list(details))


# One case per row of the contract's validation table.
VALIDATION_TABLE = [
    pytest.param(
        {"image": IMAGE},
        detail("Invalid input: expected string, received undefined", ["model"], "invalid_type"),
        id="model-missing",
    ),
    pytest.param(
        {"model": "", "image": IMAGE},
        detail("Too small: expected string to have >=1 characters", ["model"], "too_small"),
        id="model-empty",
    ),
    pytest.param(
        {"model": 123, "image": IMAGE},
        detail("Invalid input: expected string, received number", ["model"], "invalid_type"),
        id="model-number",
    ),
    pytest.param(
        {"model": MODEL, "image": {"url": IMAGE}},
        detail("Invalid input: expected string, received object", ["image"], "invalid_type"),
        id="image-object",
    ),
    pytest.param(
        {"model": MODEL, "image": IMAGE, "echo_upstream_request": "yes"},
        detail("Invalid input: expected boolean, received string", ["echo_upstream_request"], "invalid_type"),
        id="echo-string",
    ),
    pytest.param(
        {"model": MODEL, "image": IMAGE, "debug": {"trace_level": "verbose"}},
        detail('Invalid option: expected one of "summary"|"full"', ["debug", "trace_level"], "invalid_value"),
        id="trace-level-verbose",
    ),
    pytest.param(
        {"model": MODEL, "image": IMAGE, "provider": {"only": "mistral"}},
        detail("Invalid input: expected array, received string", ["provider", "only"], "invalid_type"),
        id="provider-only-string",
    ),
    pytest.param([], detail("Invalid input: expected object, received array", [], "invalid_type"), id="body-array"),
    pytest.param(None, detail("Invalid input: expected object, received null", [], "invalid_type"), id="body-null"),
    pytest.param("x", detail("Invalid input: expected object, received string", [], "invalid_type"), id="body-string"),
]


@pytest.mark.parametrize(("body", "expected"), VALIDATION_TABLE)
def test_validation_table(client: TestClient, body: Any, expected: dict[str, Any]) -> None:
    response = client.post("/v1/ocr", content=json.dumps(body), headers=AUTH)
    expect_validation(response, expected)


def test_empty_object_lists_model_then_image(client: TestClient) -> None:
    expect_validation(
        post_ocr(client, {}),
        detail("Invalid input: expected string, received undefined", ["model"], "invalid_type"),
        detail("Invalid input: expected string, received undefined", ["image"], "invalid_type"),
    )


def test_every_problem_is_listed_in_schema_order(client: TestClient) -> None:
    body = {
        "provider": {"only": "mistral", "ignore": [1]},
        "debug": {"trace_level": "verbose", "enabled": "yes"},
        "image": "",
        "model": None,
    }
    expect_validation(
        post_ocr(client, body),
        detail("Invalid input: expected string, received null", ["model"], "invalid_type"),
        detail("Too small: expected string to have >=1 characters", ["image"], "too_small"),
        detail("Invalid input: expected boolean, received string", ["debug", "enabled"], "invalid_type"),
        detail('Invalid option: expected one of "summary"|"full"', ["debug", "trace_level"], "invalid_value"),
        detail("Invalid input: expected array, received string", ["provider", "only"], "invalid_type"),
        detail("Invalid input: expected string, received number", ["provider", "ignore", 0], "invalid_type"),
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"debug": None}, detail("Invalid input: expected object, received null", ["debug"], "invalid_type")),
        ({"language": 7}, detail("Invalid input: expected string, received number", ["language"], "invalid_type")),
        ({"beta": []}, detail("Invalid input: expected object, received array", ["beta"], "invalid_type")),
        (
            {"routing": {"order": "mistral"}},
            detail("Invalid input: expected array, received string", ["routing", "order"], "invalid_type"),
        ),
        (
            {"debug": {"returnUpstreamRequest": 1}},
            detail("Invalid input: expected boolean, received number", ["debug", "returnUpstreamRequest"],
                   "invalid_type"),
        ),
        (
            {"provider": {"allow_fallbacks": "no"}},
            detail("Invalid input: expected boolean, received string", ["provider", "allow_fallbacks"],
                   "invalid_type"),
        ),
    ],
)
def test_optional_fields_are_typed(client: TestClient, body: dict[str, Any], expected: dict[str, Any]) -> None:
    expect_validation(post_ocr(client, {"model": MODEL, "image": IMAGE, **body}), expected)


def test_unknown_top_level_keys_are_dropped(client: TestClient) -> None:
    response = post_ocr(client, {"model": MODEL, "image": IMAGE, "temperature": 2, "pages": [1]})
    assert response.status_code == 200


def test_allow_fallbacks_may_be_null(client: TestClient) -> None:
    response = post_ocr(client, {"model": MODEL, "image": IMAGE, "provider": {"allow_fallbacks": None}})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b'{"model": "a",}', b"NaN", b'{"model": Infinity}', b"\xff\xfe{", b"{'a': 1}", b"undefined"],
    ids=["empty", "truncated", "trailing-comma", "nan", "infinity", "binary", "single-quotes", "undefined"],
)
def test_invalid_json(client: TestClient, raw: bytes) -> None:
    response = client.post("/v1/ocr", content=raw, headers={**AUTH, "Content-Type": "application/json"})
    expect_error(response, 400, "invalid_json", "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/octet-stream", None])
def test_body_is_json_whatever_the_content_type(client: TestClient, content_type: str | None) -> None:
    headers = dict(AUTH)
    if content_type:
        headers["Content-Type"] = content_type
    response = client.post("/v1/ocr", content=b'{"model": "mistral/ocr-3", "image": "aGk="}', headers=headers)
    assert response.status_code == 200


def test_invalid_utf8_inside_a_string_is_replaced_not_rejected(client: TestClient) -> None:
    raw = b'{"model": "mistral/ocr-3", "image": "https://example.com/\xff.png"}'
    response = client.post("/v1/ocr", content=raw, headers=AUTH)
    assert response.status_code == 200


def test_a_utf8_bom_is_ignored(client: TestClient) -> None:
    raw = b'\xef\xbb\xbf{"model": "mistral/ocr-3", "image": "aGk="}'
    assert client.post("/v1/ocr", content=raw, headers=AUTH).status_code == 200


def test_form_bodies_are_parsed_as_forms(client: TestClient) -> None:
    urlencoded = client.post("/v1/ocr", data={"model": MODEL, "image": IMAGE}, headers=AUTH)
    assert urlencoded.status_code == 200
    multipart = client.post("/v1/ocr", files={"image": ("a.png", b"\x89PNG")}, data={"model": MODEL}, headers=AUTH)
    # before/guards.ts L195-228 (bff496d80): a file part stays a File, which zod names by its constructor
    expect_validation(
        multipart, detail("Invalid input: expected string, received File", ["image"], "invalid_type")
    )


def test_a_broken_multipart_body_is_invalid_json(client: TestClient) -> None:
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=zzz"}
    response = client.post("/v1/ocr", content=b"--zzz\r\nContent-Disposition: form-data\r\n\r\nx", headers=headers)
    expect_error(response, 400, "invalid_json", "invalid_json")


def test_a_json_form_type_field_is_not_a_form(client: TestClient) -> None:
    response = client.post("/v1/ocr", data={"model": MODEL}, headers={**AUTH, "Content-Type": "application/json"})
    expect_error(response, 400, "invalid_json", "invalid_json")


@pytest.mark.parametrize("model", ["   ", "\t\n"])
def test_blank_model_is_model_required(client: TestClient, model: str) -> None:
    expect_error(post_ocr(client, {"model": model, "image": IMAGE}), 400, "model_required", "model_required")


def test_schema_errors_come_before_blank_model(client: TestClient) -> None:
    response = post_ocr(client, {"model": "  "})
    expect_validation(response, detail("Invalid input: expected string, received undefined", ["image"], "invalid_type"))


@pytest.mark.parametrize(
    ("source", "options", "field", "message"),
    [
        ("provider", {"quantizations": ["int8"]}, "quantizations",
         "Routing by quantization is not yet backed by provider metadata in AI Stats Gateway."),
        ("provider", {"data_collection": "deny"}, "data_collection",
         "Routing by provider data-collection policy is not yet backed by provider metadata in AI Stats Gateway."),
        ("routing", {"dataCollection": "allow"}, "data_collection",
         "Routing by provider data-collection policy is not yet backed by provider metadata in AI Stats Gateway."),
        ("provider", {"enforce_distillable_text": True}, "enforce_distillable_text",
         "Routing by distillable-text policy is not yet backed by provider metadata in AI Stats Gateway."),
    ],
)
def test_unsupported_routing_filters(
    client: TestClient, source: str, options: dict[str, Any], field: str, message: str
) -> None:
    response = post_ocr(client, {"model": MODEL, "image": IMAGE, source: options})
    spelling = next(iter(options))
    expect_validation(response, detail(message, [source, spelling], "unsupported_routing_filter", field=field))


def test_null_routing_filters_are_ignored(client: TestClient) -> None:
    options = {"quantizations": None, "data_collection": None, "enforce_distillable_text": None}
    assert post_ocr(client, {"model": MODEL, "image": IMAGE, "provider": options}).status_code == 200


def test_unsupported_filters_come_after_blank_model_and_the_model(client: TestClient) -> None:
    """pipeline/before/index.ts L190-192, L216-229, L340-357 (bff496d80): the unsupported-filter
    rejection comes after the blank-model check and the context (key limits, model, wallet)."""
    options = {"quantizations": ["fp8"]}
    response = post_ocr(client, {"model": " ", "image": IMAGE, "provider": options})
    assert response.json()["error"] == "model_required"
    response = post_ocr(client, {"model": "nope/x", "image": IMAGE, "provider": options})
    assert response.json()["reason"] == "model_not_found_or_inactive"
    response = post_ocr(client, {"model": MODEL, "image": IMAGE, "provider": options})
    assert response.json()["details"][0]["keyword"] == "unsupported_routing_filter"
