"""Request-body validation: openapi-core's verdict against the bundled spec, told the gateway's way.

openapi-core (through jsonschema) finds the problems; this module turns each into the detail the
gateway emits (``message``, ``path``, ``keyword``, ``params``), in the order the gateway lists them:
the order of the properties in the schema, as its schema library walks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson
from openapi_core.datatypes import RequestParameters
from openapi_core.validation.request.exceptions import InvalidRequestBody

from .spec import LoadedSpec

Detail = dict[str, Any]

# JSON Schema type -> the word the gateway uses for the expected type
_EXPECTED = {"integer": "number", "number": "number"}


def js_type(value: Any) -> str:
    """The gateway's (JavaScript's) word for a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _detail(message: str, path: list[Any], keyword: str) -> Detail:
    return {"message": message, "path": path, "keyword": keyword, "params": {}}


def _invalid_type(expected: str, received: str, path: list[Any]) -> Detail:
    return _detail(f"Invalid input: expected {expected}, received {received}", path, "invalid_type")


@dataclass
class BodyRequest:
    """The minimal request openapi-core needs to validate the body of ``POST /v1/ocr``."""

    body: bytes
    host_url: str = "https://api.phaseo.app"
    path: str = "/v1/ocr"
    full_url_pattern: str = "https://api.phaseo.app/v1/ocr"
    method: str = "post"
    content_type: str = "application/json"
    parameters: RequestParameters = field(default_factory=RequestParameters)


class BodyValidator:
    """Validates a parsed OCR request body; an empty list means valid."""

    def __init__(self, spec: LoadedSpec, schema_name: str = "OcrRequest") -> None:
        self._spec = spec
        self._schema = spec.schema(schema_name)

    def validate(self, body: Any) -> list[Detail]:
        try:
            raw = orjson.dumps(body)
        except orjson.JSONEncodeError:  # nested deeper than orjson writes (254 levels)
            raw = orjson.dumps(shallow(body))
        try:
            self._spec.openapi.validate_request(BodyRequest(body=raw))
        except InvalidRequestBody as exc:
            errors = getattr(exc.__cause__, "schema_errors", None)
            if not errors:
                raise
            return self._details(errors)
        return []

    def _details(self, errors: Any) -> list[Detail]:
        seen: set[tuple[str, ...]] = set()
        details: list[Detail] = []
        for error in errors:
            detail = self._translate(error)
            identity = (detail["keyword"], *map(str, detail["path"]))
            if identity not in seen:  # openapi-core reports a null twice (nullable, then type)
                seen.add(identity)
                details.append(detail)
        details.sort(key=lambda d: self._order(d["path"]))
        return details

    def _translate(self, error: Any) -> Detail:
        path = list(error.absolute_path)
        keyword = error.validator
        if keyword == "required":
            missing = error.message.split("'")[1]
            schema = self._resolve(error.schema.get("properties", {}).get(missing, {}))
            return _invalid_type(_expected(schema), "undefined", [*path, missing])
        if keyword == "type":
            return _invalid_type(_EXPECTED.get(error.validator_value, error.validator_value),
                                 js_type(error.instance), path)
        if keyword == "minLength":
            return _detail(
                f"Too small: expected string to have >={error.validator_value} characters", path, "too_small"
            )
        if keyword == "enum":
            options = "|".join(orjson.dumps(option).decode() for option in error.validator_value)
            return _detail(f"Invalid option: expected one of {options}", path, "invalid_value")
        return _detail(f"Invalid input: {error.message}", path, "custom")

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._spec.schema(ref.rsplit("/", 1)[-1])
        return schema

    def _order(self, path: list[Any]) -> tuple[int, ...]:
        """Position of each path step among its schema's properties (declaration order)."""
        key: list[int] = []
        schema = self._schema
        for step in path:
            schema = self._resolve(schema)
            if isinstance(step, int):
                key.append(step)
                schema = schema.get("items", {})
                continue
            properties = list(schema.get("properties", {}))
            key.append(properties.index(step) if step in properties else len(properties))
            schema = schema.get("properties", {}).get(step, {})
        return tuple(key)


# Deeper than any schema path (provider.only.0 is 3): cutting below it cannot change a verdict.
SHALLOW_DEPTH = 16


def shallow(value: Any, depth: int = SHALLOW_DEPTH) -> Any:
    """``value`` with every array or object ``depth`` levels down replaced by an empty one of its type."""
    if isinstance(value, list):
        return [shallow(item, depth - 1) for item in value] if depth > 0 else []
    if isinstance(value, dict):
        return {key: shallow(item, depth - 1) for key, item in value.items()} if depth > 0 else {}
    return value


def _expected(schema: dict[str, Any]) -> str:
    kind = str(schema.get("type", "object"))
    return _EXPECTED.get(kind, kind)
