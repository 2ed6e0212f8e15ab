"""The ``details`` of the gateway's 400 ``validation_error`` for a JSON body, worked out from the request schema.

The gateway validates the body with zod 4.4.3 (core/schemas.ts at bff496d80: OcrSchema :1167-1176 and the option
blocks :15-83) and lists zod's issues as they come (pipeline/before/utils.ts:13-20). ``openapi.yaml`` holds the same
schema, field for field and in the same order; this module walks it the way zod walks its schema:

- an object's properties in declaration order; a missing required one is ``invalid_type`` "received undefined";
- a value of another JSON type: ``invalid_type`` "Invalid input: expected <type>, received <JavaScript type>";
  where the schema has a ``minLength``, zod then checks the length of anything that has one (an array, or an
  object with a ``length`` key), comparing ``length >= minimum`` as JavaScript does;
- ``nullable`` lets null through; an ``enum`` checks membership only (``invalid_value``, whatever the type);
- ``anyOf`` (a zod union): when no option accepts the value, one ``invalid_union`` "Invalid input" at its path
  (the 2026-07 unions have no checks that would let zod report one option's issues instead);
- array items and the values of a record (``additionalProperties``) in order; a record skips the key
  ``__proto__`` (zod 4's ``$ZodRecord``), which the schema names as a property that takes anything.

Written apart from the mock's validator (which translates openapi-core's errors): the suite judges the mock, so
the two must not share a mistake. ``tests/test_zod_differential.py`` checks both against zod itself.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .reference import contract

Detail = dict[str, Any]
# String.prototype.trim()'s white space, which Number("...") also ignores
_JS_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_JS_NUMBER = re.compile(
    r"[+-]?(Infinity|[0-9]+\.?[0-9]*([eE][+-]?[0-9]+)?|\.[0-9]+([eE][+-]?[0-9]+)?)|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+"
)
_UNITS = {"string": "characters", "array": "items"}


def expected_details(body: Any) -> list[Detail]:
    """zod's issues for ``body`` as the gateway's details; empty when the body is valid."""
    return list(_walk(_schema("OcrRequest"), body, []))


def description(details: list[Detail]) -> str:
    """The 400's description: the first detail, "<message> at <path>", or the bare message at the top."""
    first = details[0]
    path = ".".join(str(step) for step in first["path"])
    return f"{first['message']} at {path}" if path else str(first["message"])


def _schema(name: str) -> Mapping[str, Any]:
    schema: Mapping[str, Any] = contract().spec.document["components"]["schemas"][name]
    return schema


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        schema = _schema(str(schema["$ref"]).rsplit("/", 1)[-1])
    return schema


def _detail(message: str, path: list[Any], keyword: str) -> Detail:
    return {"message": message, "path": path, "keyword": keyword, "params": {}}


def _walk(schema: Mapping[str, Any], value: Any, path: list[Any]) -> Iterator[Detail]:
    schema = _resolve(schema)
    if "anyOf" in schema:
        if all(next(_walk(option, value, path), None) is not None for option in schema["anyOf"]):
            yield _detail("Invalid input", path, "invalid_union")
        return
    if value is None and schema.get("nullable") is True:
        return
    if "enum" in schema:
        options = [option for option in schema["enum"] if option is not None]
        if not any(type(value) is type(option) and value == option for option in options):
            listed = "|".join(json.dumps(option) for option in options)
            yield _detail(f"Invalid option: expected one of {listed}", path, "invalid_value")
        return
    kind = schema.get("type")
    if kind is None:
        return  # {}: anything
    if not _is(kind, value):
        expected = "number" if kind == "integer" else kind
        yield _detail(f"Invalid input: expected {expected}, received {_js_type(value)}", path, "invalid_type")
        if "minLength" in schema:
            yield from _length(schema["minLength"], value, path)
        return
    if kind == "string" and "minLength" in schema:
        yield from _length(schema["minLength"], value, path)
    elif kind == "array":
        for index, item in enumerate(value):
            yield from _walk(schema.get("items", {}), item, [*path, index])
    elif kind == "object":
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name, sub in properties.items():
            if name in value:
                yield from _walk(sub, value[name], [*path, name])
            elif name in schema.get("required", ()):
                expected = _resolve(sub).get("type", "object")
                yield _detail(f"Invalid input: expected {expected}, received undefined", [*path, name], "invalid_type")
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for name, item in value.items():
                if name not in properties:
                    yield from _walk(extra, item, [*path, name])


def _is(kind: str, value: Any) -> bool:
    if kind in ("number", "integer"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    python = {"string": str, "boolean": bool, "array": list, "object": dict}[kind]
    return isinstance(value, python)


def _js_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _length(minimum: int, value: Any, path: list[Any]) -> Iterator[Detail]:
    """zod's minimum-length check: it runs on anything with a ``length`` (not null), ``length >= minimum`` in JS."""
    if isinstance(value, str):
        origin, length = "string", len(value.encode("utf-16-le")) / 2
    elif isinstance(value, list):
        origin, length = "array", float(len(value))
    elif isinstance(value, dict) and "length" in value:
        origin, length = "unknown", _js_number(value["length"])
    else:
        return
    if not length >= minimum:  # NaN fails it, as in JavaScript
        unit = _UNITS.get(origin)
        wanted = f"to have >={minimum} {unit}" if unit else f"to be >={minimum}"
        yield _detail(f"Too small: expected {origin} {wanted}", path, "too_small")


def _js_number(value: Any) -> float:
    """JavaScript's ``Number(value)`` for a JSON value: objects and arrays through their string form."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    text = _js_string(value).strip(_JS_SPACE)
    if not text:
        return 0.0
    if _JS_NUMBER.fullmatch(text) is None:
        return math.nan
    if text[:2].lower() in ("0x", "0o", "0b"):
        return float(int(text, 0))
    return float(text.replace("Infinity", "inf"))


def _js_string(value: Any) -> str:
    """``String(value)`` where the result can still read as a number (numbers themselves never reach here)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # Array.prototype.join: null and undefined items are empty
        return ",".join("" if item is None else _js_string(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # only inside an array of one, where the number itself is what matters
    return "[object Object]"
