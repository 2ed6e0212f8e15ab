"""The bundled openapi.yaml keeps the published operation and schemas and adds the gateway's behaviour."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mockserver.gateway.spec import load_spec
from mockserver.resources import spec_path

SEED = yaml.safe_load((Path(__file__).parent / "data" / "seed-openapi-ocr.yaml").read_text())
BUNDLED = yaml.safe_load(spec_path().read_text())


def schemas(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["components"]["schemas"]
    return result


def properties(document: dict[str, Any], schema: str) -> dict[str, Any]:
    result: dict[str, Any] = schemas(document)[schema].get("properties", {})
    return result


@pytest.mark.parametrize("schema", ["OcrRequest", "DebugOptions", "ProviderRoutingOptions", "OcrResponse"])
def test_every_seed_property_is_kept_with_its_type(schema: str) -> None:
    bundled = properties(BUNDLED, schema)
    for name, published in properties(SEED, schema).items():
        kept = bundled[name]
        for key in ("type", "$ref", "enum"):
            assert kept.get(key) == published.get(key), f"{schema}.{name}.{key}"
        if "items" in published:
            assert kept["items"] == published["items"]


def test_required_fields_and_free_form_response_are_unchanged() -> None:
    assert schemas(BUNDLED)["OcrRequest"]["required"] == schemas(SEED)["OcrRequest"]["required"]
    assert schemas(BUNDLED)["OcrResponse"] == schemas(SEED)["OcrResponse"]


def test_operation_and_success_response_are_as_published() -> None:
    published = SEED["paths"]["/ocr"]["post"]
    bundled = BUNDLED["paths"]["/ocr"]["post"]
    for key in ("operationId", "summary", "requestBody", "tags"):
        assert bundled[key] == published[key]
    assert bundled["responses"]["200"] == published["responses"]["200"]
    assert BUNDLED["servers"] == SEED["servers"]
    assert BUNDLED["components"]["securitySchemes"] == SEED["components"]["securitySchemes"]


def test_additions() -> None:
    request = properties(BUNDLED, "OcrRequest")
    assert request["model"]["minLength"] == 1
    assert request["image"]["minLength"] == 1
    assert request["beta"] == {"$ref": "#/components/schemas/BetaOptions"}
    assert request["routing"] == {"$ref": "#/components/schemas/ProviderRoutingOptions"}
    responses = BUNDLED["paths"]["/ocr"]["post"]["responses"]
    assert set(responses) == {"200", "400", "401", "402", "413", "429", "500", "502"}
    for status in ("400", "401", "402", "413", "429", "500", "502"):
        schema = responses[status]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
    envelope = schemas(BUNDLED)["ErrorResponse"]
    assert envelope["required"] == ["generation_id", "status_code", "error", "error_type", "error_origin",
                                    "description"]


def _new_keys(bundled: yaml.Node, seed: yaml.Node | None) -> list[yaml.Node]:
    """Key nodes of ``bundled`` that the seed does not have at the same place (top-most only)."""
    if not isinstance(bundled, yaml.MappingNode):
        return []
    seed_children = {k.value: v for k, v in seed.value} if isinstance(seed, yaml.MappingNode) else {}
    found = []
    for key, value in bundled.value:
        if key.value in seed_children:
            found += _new_keys(value, seed_children[key.value])
        else:
            found.append(key)
    return found


def test_every_addition_is_marked() -> None:
    """Each key the seed does not have carries an ``ADDED`` comment: on its line, or above it with only
    other additions in between."""
    text = spec_path().read_text()
    lines = text.splitlines()
    seed_text = (Path(__file__).parent / "data" / "seed-openapi-ocr.yaml").read_text()
    new_keys = _new_keys(yaml.compose(text), yaml.compose(seed_text))
    new_lines = {key.start_mark.line for key in new_keys}
    unmarked = []
    for key in new_keys:
        line_no, indent = key.start_mark.line, key.start_mark.column
        marked = "ADDED" in lines[line_no]
        for above in range(line_no - 1, -1, -1):
            if marked:
                break
            line = lines[above]
            depth = len(line) - len(line.lstrip())
            if not line.strip() or depth > indent:
                continue
            if line.strip().startswith("#"):
                marked = "ADDED" in line
                continue
            if depth < indent or above not in new_lines:
                break
        if not marked:
            unmarked.append(f"line {line_no + 1}: {key.value}")
    assert new_keys, "the bundled spec adds nothing?"
    assert unmarked == []


def test_spec_is_loaded_once_per_process() -> None:
    assert load_spec() is load_spec()
