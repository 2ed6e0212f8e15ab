"""A ``oneOf`` that openapi-core refused, told as zod tells a failed union (the 2026-08 request schema).

- A discriminated union (``x-discriminator``): a value that is not an object is a wrong type; a missing or
  unknown ``type`` is zod's ``Invalid discriminator value`` at ``<path>.type``; a known one reports the problems
  of the variant it names, and only those.
- A plain union: if exactly one option failed only on checks (a length, a range, a format) and not on a
  wrong type, enum or unknown key (which abort), zod reports that option's problems; otherwise one
  ``invalid_union`` ``Invalid input`` at the union's path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LAST = 1 << 30  # sorts an object's unrecognized keys after its fields, as zod reports them
CHECKS = frozenset({"minLength", "maxLength", "minimum", "maximum", "pattern"})

Detail = dict[str, Any]


def _js_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def union_detail(error: Any, translate: Callable[[list[Any]], list[Detail]]) -> Detail | list[Detail]:
    """The detail(s) for one ``oneOf`` error; ``translate`` turns the chosen option's errors into details."""
    path = list(error.absolute_path)
    by_option: dict[int, list[Any]] = {}
    for sub in error.context or []:
        by_option.setdefault(sub.relative_schema_path[0], []).append(sub)
    discriminator = error.schema.get("x-discriminator")
    if discriminator is not None:
        if not isinstance(error.instance, dict):
            received = _js_type(error.instance)
            return _detail(f"Invalid input: expected object, received {received}", path, "invalid_type")
        tag = error.instance.get(discriminator["propertyName"])
        mapping = list(discriminator["mapping"])
        if isinstance(tag, str) and tag in mapping:
            return translate(by_option.get(mapping.index(tag), []))
        expected = " | ".join(f"'{value}'" for value in mapping)
        return _detail(
            f"Invalid discriminator value. Expected {expected}", [*path, discriminator["propertyName"]], "invalid_union"
        )
    checked_only = [subs for subs in by_option.values() if all(_is_check(sub) for sub in subs)]
    if len(checked_only) == 1:
        return translate(checked_only[0])
    return _detail("Invalid input", path, "invalid_union")


def _is_check(error: Any) -> bool:
    if error.validator == "type" and error.validator_value == "integer":
        return False  # zod's .int() aborts
    return error.validator in CHECKS


def _detail(message: str, path: list[Any], keyword: str) -> Detail:
    return {"message": message, "path": path, "keyword": keyword, "params": {}}
