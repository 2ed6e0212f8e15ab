"""The 2026-08 request validation against zod itself (tests/zod_oracle, zod 4.4.3 running the gateway's schema at
01ac8aca0, core/schemas.ts 1785-1856): the same bodies to both, the same details in the same order.

The bodies come from a seeded generator biased to the 2026-08 fields (document variants, the 12 Mistral fields,
the cross-field rules) plus the oracle's own 2026-08 hand cases. Without Node.js or the oracle's node_modules this
FAILS, naming the fix (``make test`` runs ``npm ci`` in tests/zod_oracle).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from mockserver.gateway.errors import validation_error
from mockserver.gateway.release import load_release
from mockserver.gateway.spec import release_spec
from mockserver.gateway.validation import BodyValidator
from tests.zod_oracle import ZodOracle

RELEASE = "2026-08"
BODIES = 2400
CASES = Path(__file__).resolve().parent.parent / "zod_oracle" / "cases.json"

DOCUMENTS: list[Any] = [
    {"type": "document_url", "document_url": "https://files.example.com/a.pdf"},
    {"type": "document_url", "document_url": "", "document_name": None},
    {"type": "document_url", "document_url": "u", "document_name": 3, "extra": 1},
    {"type": "document_url"},
    {"type": "image_url", "image_url": "data:image/png;base64,iVBORw0KGgo="},
    {"type": "image_url", "image_url": {"url": "https://x.example/a.png", "detail": "high"}},
    {"type": "image_url", "image_url": {"url": "", "detail": "low"}},
    {"type": "image_url", "image_url": {"url": "u", "detail": "ultra"}},
    {"type": "image_url", "image_url": {"url": "u", "q": 1}},
    {"type": "image_url", "image_url": []},
    {"type": "image_url", "image_url": ""},
    {"type": "file", "file_id": "123e4567-e89b-42d3-a456-426614174000"},
    {"type": "file", "file_id": "123e4567e89b42d3a456426614174000"},
    {"type": "file", "file_id": 5},
    {"type": "pdf"}, {"type": 5}, {"type": ["file"]}, {}, None, "https://x.example/a.pdf", [], 0,
]
VALUES: list[Any] = [
    None, "", "x", "   ", "0,2-4", 0, -1, 1.5, -1.5, 2, 1e21, 9007199254740991, True, False, [], [0], [-1], [0, -1],
    [1.5], ["1"], {}, "markdown", "html", "csv", "word", "page", "line",
    {"type": "json_schema"}, {"type": "text"},
    {"type": "json_schema", "json_schema": {"name": "inv", "schema": {"type": "object"}}},
    {"type": "json_schema", "json_schema": {"name": "", "schema": []}, "strict": True},
    {"type": "json_schema", "json_schema": {"name": "n", "schema": {}, "strict": "yes", "description": None}},
    {"type": "json_schema", "json_schema": {"name": "n", "schema": {}, "foo": 1}},
]
FIELDS = [
    "pages", "include_image_base64", "image_limit", "image_min_size", "bbox_annotation_format",
    "document_annotation_format", "document_annotation_prompt", "table_format", "extract_header", "extract_footer",
    "include_blocks", "confidence_scores_granularity", "language", "echo_upstream_request",
]


GOOD_DOCUMENTS = [DOCUMENTS[0], DOCUMENTS[4], DOCUMENTS[5], DOCUMENTS[11]]
GOOD_VALUES: dict[str, list[Any]] = {
    "pages": [None, "0", [0, 2], []], "include_image_base64": [None, True], "image_limit": [None, 0, 3],
    "image_min_size": [None, 10], "bbox_annotation_format": [None, VALUES[-4]],
    "document_annotation_format": [None, VALUES[-4]], "document_annotation_prompt": [None],
    "table_format": [None, "html"], "extract_header": [True, False], "extract_footer": [False],
    "include_blocks": [True], "confidence_scores_granularity": [None, "word"], "language": ["fr", 5],
    "echo_upstream_request": [True, False],
}


def well_formed(rng: random.Random) -> dict[str, Any]:
    """A body zod accepts, unless one field is then spoiled."""
    body: dict[str, Any] = {"model": "mistral/ocr-3"}
    if rng.random() < 0.5:
        body["image"] = "https://x.example/a.png"
    else:
        body["document"] = rng.choice(GOOD_DOCUMENTS)
    for name in rng.sample(FIELDS, rng.randint(0, 4)):
        body[name] = rng.choice(GOOD_VALUES[name])
    if body.get("document_annotation_format") is not None and rng.random() < 0.5:
        body["document_annotation_prompt"] = "the invoice number"
    return body


def generated(seed: int, count: int) -> list[Any]:
    rng = random.Random(seed)
    bodies: list[Any] = []
    for _ in range(count):
        if rng.random() < 0.45:
            body = well_formed(rng)
            if rng.random() < 0.3:  # spoil one field
                body[rng.choice(FIELDS)] = rng.choice(VALUES)
            bodies.append(body)
            continue
        body = {}
        if rng.random() < 0.92:
            body["model"] = rng.choice(["mistral/ocr-3", "", " ", 5, None])
        if rng.random() < 0.6:
            body["image"] = rng.choice(["https://x.example/a.png", "", "   ", None, 5])
        if rng.random() < 0.55:
            body["document"] = rng.choice(DOCUMENTS)
        for name in rng.sample(FIELDS, rng.randint(0, 3)):
            body[name] = rng.choice(VALUES)
        bodies.append(body)
    return bodies


def hand_cases() -> list[Any]:
    return [case["body"] for case in json.loads(CASES.read_text()) if case.get("release") == RELEASE and "body" in case]


def answer(validator: BodyValidator, body: Any) -> dict[str, Any]:
    details = validator.validate(body)
    if not details:
        return {"ok": True}
    error = validation_error(details)
    return {"ok": False, "description": error.description, "details": error.extra["details"]}


def test_the_mock_answers_2026_08_bodies_as_zod_does(oracle: ZodOracle) -> None:
    validator = BodyValidator(release_spec(RELEASE), refinements=tuple(load_release(RELEASE).get("request",
                                                                                                  "refinements")))
    bodies = hand_cases() + generated(20260822, BODIES)
    expected = oracle.validate_many(RELEASE, bodies)
    differing = [(body, answer(validator, body), verdict) for body, verdict in zip(bodies, expected, strict=True)
                 if answer(validator, body) != verdict]
    shown = "\n".join(f"{json.dumps(b)}\n  mock: {m}\n  zod:  {z}" for b, m, z in differing[:5])
    assert not differing, f"{len(differing)} of {len(bodies)} bodies differ:\n{shown}"
    refused = sum(not verdict["ok"] for verdict in expected)
    assert 0.1 < refused / len(bodies) < 0.95  # both verdicts are common: neither side can pass by always agreeing
