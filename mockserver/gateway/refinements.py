"""The cross-field rules of a release's request schema (its ``request.refinements``), which OpenAPI 3.0 cannot
state with the gateway's wording: zod's ``superRefine`` at 2026-08 (core/schemas.ts 1840-1855).

zod runs an object's refinements only when none of its fields failed with an aborting issue (a wrong type,
an enum or literal, an unknown key, a union that matched nothing); a failed length or format check does not
stop them. Their issues come after the fields' issues.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

Detail = dict[str, Any]
ABORTING = frozenset({"invalid_type", "invalid_value", "unrecognized_keys", "invalid_union"})


def _custom(message: str, path: list[Any]) -> Detail:
    return {"message": message, "path": path, "keyword": "custom", "params": {}}


def exactly_one_source(body: Mapping[str, Any]) -> Detail | None:
    """schemas.ts 1841-1847: truthy ``image`` plus truthy ``document`` must count exactly one."""
    image = body.get("image")
    count = int(isinstance(image, str) and image != "") + int(body.get("document") is not None)
    return None if count == 1 else _custom("Exactly one of image or document is required", ["document"])


def prompt_needs_document_format(body: Mapping[str, Any]) -> Detail | None:
    """schemas.ts 1848-1854: a prompt needs a document annotation format (a bbox format does not count)."""
    if body.get("document_annotation_prompt") is not None and body.get("document_annotation_format") is None:
        return _custom("document_annotation_prompt requires document_annotation_format", ["document_annotation_prompt"])
    return None


RULES: dict[str, Callable[[Mapping[str, Any]], Detail | None]] = {
    "exactly_one_source": exactly_one_source,
    "prompt_needs_document_format": prompt_needs_document_format,
}


def check_rules(names: Iterable[str]) -> tuple[str, ...]:
    """The rule names, checked at start-up (an unknown name is a broken release folder)."""
    names = tuple(names)
    unknown = [name for name in names if name not in RULES]
    if unknown:
        raise ValueError(f"unknown request refinements {unknown}; known: {sorted(RULES)}")
    return names


def refinement_details(body: Any, names: Iterable[str], details: list[Detail]) -> list[Detail]:
    """The refinements' details for a body whose field details are ``details``."""
    if not isinstance(body, dict) or any(detail["keyword"] in ABORTING for detail in details):
        return []
    found = (RULES[name](body) for name in names)
    return [detail for detail in found if detail is not None]
