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
  ``__proto__`` (zod 4's ``$ZodRecord``), which the schema names as a property that takes anything;
- 2026-08 adds: ``oneOf`` unions whose options have checks (zod reports the one option that failed only on
  checks), discriminated unions (``x-discriminator``), strict objects (``additionalProperties: false``:
  ``unrecognized_keys``), literals (a one-value ``enum``), ``.int()`` ranges, UUIDs (``x-zod-format``), records
  (``additionalProperties: true``), and the object's refinements (the release's ``request.refinements``).

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
    """zod's issues for ``body`` as the gateway's details; empty when the body is valid. The object's own
    refinements (the release's ``request.refinements``) run only when no field issue aborted."""
    details = list(_walk(_schema("OcrRequest"), body, []))
    if isinstance(body, dict) and not any(detail["keyword"] in _ABORTING for detail in details):
        for name in contract().release.get("request", "refinements") or ():
            details += _REFINEMENTS[name](body)
    return details


# Issues after which zod stops checking a value (and skips its parents' refinements); checks (too_small, too_big,
# invalid_format) let it go on.
_ABORTING = frozenset({"invalid_type", "invalid_value", "unrecognized_keys", "invalid_union"})
_SAFE_INTEGER = 2**53 - 1


def _exactly_one_source(body: Mapping[str, Any]) -> list[Detail]:
    """2026-08, core/schemas.ts 1841-1847: a truthy image plus a truthy document must make exactly one."""
    truthy = int(isinstance(body.get("image"), str) and body["image"] != "") + int(body.get("document") is not None)
    return [] if truthy == 1 else [_detail("Exactly one of image or document is required", ["document"], "custom")]


def _prompt_needs_document_format(body: Mapping[str, Any]) -> list[Detail]:
    """2026-08, core/schemas.ts 1848-1854."""
    if body.get("document_annotation_prompt") is None or body.get("document_annotation_format") is not None:
        return []
    message = "document_annotation_prompt requires document_annotation_format"
    return [_detail(message, ["document_annotation_prompt"], "custom")]


_REFINEMENTS = {
    "exactly_one_source": _exactly_one_source,
    "prompt_needs_document_format": _prompt_needs_document_format,
}


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


def _union(schema: Mapping[str, Any], value: Any, path: list[Any]) -> Iterator[Detail]:
    """zod's union (``oneOf``): a discriminated one by its tag; otherwise the options' issues, if exactly one option
    failed on checks only, else one ``invalid_union``."""
    tagged = schema.get("x-discriminator")
    if tagged is not None:
        if not isinstance(value, dict):
            yield _detail(f"Invalid input: expected object, received {_js_type(value)}", path, "invalid_type")
            return
        names = list(tagged["mapping"])
        tag = value.get(tagged["propertyName"])
        if isinstance(tag, str) and tag in names:
            yield from _walk(schema["oneOf"][names.index(tag)], value, path)
            return
        listed = " | ".join(f"'{name}'" for name in names)
        yield _detail(f"Invalid discriminator value. Expected {listed}", [*path, tagged["propertyName"]],
                      "invalid_union")
        return
    outcomes = [list(_walk(option, value, path)) for option in schema["oneOf"]]
    if any(not issues for issues in outcomes):
        return
    checked = [issues for issues in outcomes if not any(issue["keyword"] in _ABORTING for issue in issues)]
    if len(checked) == 1:
        yield from checked[0]
    else:
        yield _detail("Invalid input", path, "invalid_union")


def _integer(schema: Mapping[str, Any], value: float, path: list[Any]) -> Iterator[Detail]:
    """``z.number().int()`` with its range: a fraction aborts (``expected int``); then minimum and maximum."""
    if not float(value).is_integer():
        yield _detail("Invalid input: expected int, received number", path, "invalid_type")
        return
    if "minimum" in schema and value < schema["minimum"]:
        yield _detail(f"Too small: expected number to be >={schema['minimum']}", path, "too_small")
    if abs(value) > _SAFE_INTEGER or ("maximum" in schema and value > schema["maximum"]):
        yield _detail(f"Too big: expected int to be <={schema.get('maximum', _SAFE_INTEGER)}", path, "too_big")


def _walk(schema: Mapping[str, Any], value: Any, path: list[Any]) -> Iterator[Detail]:
    schema = _resolve(schema)
    if "oneOf" in schema:
        yield from _union(schema, value, path)
        return
    if "anyOf" in schema:
        if all(next(_walk(option, value, path), None) is not None for option in schema["anyOf"]):
            yield _detail("Invalid input", path, "invalid_union")
        return
    if value is None and schema.get("nullable") is True:
        return
    if "enum" in schema:
        options = [option for option in schema["enum"] if option is not None]
        if not any(type(value) is type(option) and value == option for option in options):
            if len(options) == 1:  # a zod literal
                yield _detail(f"Invalid input: expected {json.dumps(options[0])}", path, "invalid_value")
            else:
                listed = "|".join(json.dumps(option) for option in options)
                yield _detail(f"Invalid option: expected one of {listed}", path, "invalid_value")
        return
    kind = schema.get("type")
    if kind is None:
        return  # {}: anything
    if not _is(kind, value):
        expected = "number" if kind == "integer" else kind
        if kind == "object" and schema.get("additionalProperties") is True:
            expected = "record"
        yield _detail(f"Invalid input: expected {expected}, received {_js_type(value)}", path, "invalid_type")
        if "minLength" in schema:
            yield from _length(schema["minLength"], value, path)
        return
    if kind == "string" and "minLength" in schema:
        yield from _length(schema["minLength"], value, path)
    if kind == "string" and schema.get("x-zod-format") == "uuid" and not re.fullmatch(schema["pattern"], value):
        yield _detail("Invalid UUID", path, "invalid_format")
    elif kind == "integer":
        yield from _integer(schema, value, path)
    elif kind == "array":
        for index, item in enumerate(value):
            yield from _walk(schema.get("items", {}), item, [*path, index])
    elif kind == "object":
        properties: Mapping[str, Any] = schema.get("properties", {})
        for name, sub in properties.items():
            if name in value:
                yield from _walk(sub, value[name], [*path, name])
            elif name in schema.get("required", ()):
                wanted = _resolve(sub)
                literal = [option for option in wanted.get("enum", ()) if option is not None]
                if len(literal) == 1:
                    yield _detail(f"Invalid input: expected {json.dumps(literal[0])}", [*path, name], "invalid_value")
                    continue
                expected = wanted.get("type", "object")
                if expected == "object" and wanted.get("additionalProperties") is True:
                    expected = "record"
                yield _detail(f"Invalid input: expected {expected}, received undefined", [*path, name], "invalid_type")
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for name, item in value.items():
                if name not in properties:
                    yield from _walk(extra, item, [*path, name])
        elif extra is False:  # a strict object: every unknown key in one issue, after the fields
            unknown = [name for name in value if name not in properties]
            if unknown:
                keys = ", ".join(json.dumps(name) for name in unknown)
                yield _detail(f"Unrecognized key{'s' if len(unknown) > 1 else ''}: {keys}", path, "unrecognized_keys")


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
