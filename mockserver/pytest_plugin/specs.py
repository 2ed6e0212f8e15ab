"""Python arguments to the fixture format: ``ocr_gateway.add(...)`` and ``key(...)`` build the same dicts
a fixture file holds, so the one engine (in-process or behind the admin API) validates and serves them."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Step = Mapping[str, Any]
ImageContent = bytes | os.PathLike[str]


def _error(value: str | Mapping[str, Any]) -> dict[str, Any]:
    """``"insufficient_funds"`` or ``{"code": ..., "description": ...}``."""
    return {"code": value} if isinstance(value, str) else dict(value)


def _upstream(value: int | Mapping[str, Any]) -> dict[str, Any]:
    """``429`` or ``{"status": 429, "code": ..., "message": ...}``."""
    return {"status": value} if isinstance(value, int) else dict(value)


def step(step: Step, seed: int | None = None) -> dict[str, Any]:
    """One answer in the fixture format, with the Python shorthands expanded and the default seed applied."""
    result = dict(step)
    if "pages" in result and not isinstance(result["pages"], str):  # any sequence of pages; the schema wants an array
        result["pages"] = [dict(page) if isinstance(page, Mapping) else page for page in result["pages"]]
    if "error" in result:
        result["error"] = _error(result["error"])
    if "upstream" in result:
        result["upstream"] = _upstream(result["upstream"])
    if seed is not None and isinstance(result.get("delay"), Mapping) and "seed" not in result["delay"]:
        result["delay"] = {**result["delay"], "seed": seed}
    return result


def image_sha256(image: ImageContent) -> str:
    """The SHA-256 the engine matches: of the image's bytes (given, or read from a file)."""
    data = image if isinstance(image, bytes) else Path(image).read_bytes()
    return hashlib.sha256(data).hexdigest()


def match_spec(
    match: Mapping[str, Any] | None,
    *,
    language: str | None = None,
    image: ImageContent | None = None,
    image_url: str | None = None,
    media_type: str | None = None,
    body: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``match`` (fixture format) with the keyword shorthands merged in; a condition given twice is an error."""
    result: dict[str, Any] = {key: (dict(value) if isinstance(value, Mapping) else value)
                              for key, value in (match or {}).items()}
    image_conditions = dict(result.get("image", {}))
    shorthands: list[tuple[dict[str, Any], str, Any, str]] = [
        (result, "language", language, "language"),
        (image_conditions, "sha256", image_sha256(image) if image is not None else None, "image"),
        (image_conditions, "url", image_url, "image_url"),
        (image_conditions, "media_type", media_type, "media_type"),
        (result, "body", dict(body) if body is not None else None, "body"),
        (result, "headers", dict(headers) if headers is not None else None, "headers"),
    ]
    for target, key, value, argument in shorthands:
        if value is None:
            continue
        if key in target:
            raise TypeError(f"{argument}= repeats a condition that match= already sets ({key})")
        target[key] = value
    if image_conditions:
        result["image"] = image_conditions
    return result


def script_spec(
    model: str,
    answer: Mapping[str, Any],
    *,
    match: Mapping[str, Any],
    times: int | None = None,
    sequence: Sequence[Step] | None = None,
    then: Step | None = None,
    script_id: str | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """A script in the fixture format (``fixture.schema.json#/$defs/script``); the engine validates it."""
    spec: dict[str, Any] = {"model": model}
    if script_id is not None:
        spec["id"] = script_id
    if match:
        spec["match"] = dict(match)
    if times is not None:
        spec["times"] = times
    if sequence is not None:
        spec["sequence"] = [step(item, seed) for item in sequence]
    if then is not None:
        spec["then"] = step(then, seed)
    spec.update(step({key: value for key, value in answer.items() if value is not None}, seed))
    return spec


def key_record(key: str, state: Mapping[str, Any]) -> dict[str, Any]:
    """A key's account state in the fixture format (``fixture.schema.json#/$defs/key``)."""
    record: dict[str, Any] = {"key": key}
    record.update({name: value for name, value in state.items() if value is not None})
    if "limits" in record:
        record["limits"] = dict(record["limits"])
    return record


def resolve_image_files(spec: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """A file script with ``match.image.file`` turned into the file's SHA-256 (relative to ``base``), so it can
    be added at runtime, where the engine has no fixtures directory."""
    image = spec.get("match", {}).get("image", {})
    if "file" not in image:
        return dict(spec)
    conditions = {key: value for key, value in image.items() if key != "file"}
    conditions.setdefault("sha256", image_sha256(base / image["file"]))
    return {**spec, "match": {**spec["match"], "image": conditions}}
