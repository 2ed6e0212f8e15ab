"""2026-08 request schema: every row of the delta page's schema checklist, body in, details out.

Source: core/schemas.ts 1785-1856 at 01ac8aca0 (the gateway's zod schema). Each case names its line.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.releases.helpers import IMAGE, MODEL, PDF, details_of, post

CUSTOM = ("Exactly one of image or document is required", ["document"], "custom")
TOO_SHORT = "Too small: expected string to have >=1 characters"

CASES: list[tuple[str, dict[str, Any], list[tuple[str, list[Any], str]]]] = [
    # image optional; exactly one of image/document (schemas.ts 1821-1822, 1840-1847)
    ("1821 model only", {"model": MODEL}, [CUSTOM]),
    ("1841 both image and document", {"model": MODEL, "image": IMAGE, "document": PDF}, [CUSTOM]),
    (
        "zod skip: {} has one detail",
        {},
        [("Invalid input: expected string, received undefined", ["model"], "invalid_type")],
    ),
    ("1840 model empty", {"model": ""}, [(TOO_SHORT, ["model"], "too_small"), CUSTOM]),
    ('1821 image ""', {"model": MODEL, "image": ""}, [(TOO_SHORT, ["image"], "too_small"), CUSTOM]),
    (
        '1841 image "" beside a document',
        {"model": MODEL, "image": "", "document": PDF},
        [(TOO_SHORT, ["image"], "too_small")],
    ),
    (
        "1821 image null",
        {"model": MODEL, "image": None},
        [("Invalid input: expected string, received null", ["image"], "invalid_type")],
    ),
    # document: 3 strict variants (schemas.ts 1796-1816)
    (
        "1822 document null",
        {"model": MODEL, "document": None},
        [("Invalid input: expected object, received null", ["document"], "invalid_type")],
    ),
    (
        "1822 document a string",
        {"model": MODEL, "document": "https://x/a.pdf"},
        [("Invalid input: expected object, received string", ["document"], "invalid_type")],
    ),
    (
        "1796 unknown type",
        {"model": MODEL, "document": {"type": "pdf"}},
        [
            (
                "Invalid discriminator value. Expected 'file' | 'document_url' | 'image_url'",
                ["document", "type"],
                "invalid_union",
            )
        ],
    ),
    (
        "1802 document_url missing",
        {"model": MODEL, "document": {"type": "document_url"}},
        [("Invalid input: expected string, received undefined", ["document", "document_url"], "invalid_type")],
    ),
    (
        "1802 document_url empty",
        {"model": MODEL, "document": {"type": "document_url", "document_url": ""}},
        [(TOO_SHORT, ["document", "document_url"], "too_small")],
    ),
    (
        "1805 strict variant",
        {"model": MODEL, "document": {**PDF, "foo": 1}},
        [('Unrecognized key: "foo"', ["document"], "unrecognized_keys")],
    ),
    (
        "1803 document_name a number",
        {"model": MODEL, "document": {**PDF, "document_name": 5}},
        [("Invalid input: expected string, received number", ["document", "document_name"], "invalid_type")],
    ),
    (
        "1808 image_url a number",
        {"model": MODEL, "document": {"type": "image_url", "image_url": 5}},
        [("Invalid input", ["document", "image_url"], "invalid_union")],
    ),
    (
        "1808 image_url empty",
        {"model": MODEL, "document": {"type": "image_url", "image_url": ""}},
        [(TOO_SHORT, ["document", "image_url"], "too_small")],
    ),
    (
        "1810 image_url.url empty",
        {"model": MODEL, "document": {"type": "image_url", "image_url": {"url": ""}}},
        [(TOO_SHORT, ["document", "image_url", "url"], "too_small")],
    ),
    (
        "1811 image_url.detail",
        {"model": MODEL, "document": {"type": "image_url", "image_url": {"url": IMAGE, "detail": "ultra"}}},
        [("Invalid input", ["document", "image_url"], "invalid_union")],
    ),
    (
        "1798 file_id not a uuid",
        {"model": MODEL, "document": {"type": "file", "file_id": "abc"}},
        [("Invalid UUID", ["document", "file_id"], "invalid_format")],
    ),
    (
        "1798 file_id variant c",
        {"model": MODEL, "document": {"type": "file", "file_id": "123e4567-e89b-12d3-c456-426614174000"}},
        [("Invalid UUID", ["document", "file_id"], "invalid_format")],
    ),
    # language removed: stripped, any value passes (schemas.ts 1818-1839) -> no details at all (200 below)
    # the 12 new optional fields (schemas.ts 1823-1834)
    ("1823 pages empty", {"model": MODEL, "image": IMAGE, "pages": ""}, [(TOO_SHORT, ["pages"], "too_small")]),
    (
        "1823 pages negative",
        {"model": MODEL, "image": IMAGE, "pages": [0, -1]},
        [("Too small: expected number to be >=0", ["pages", 1], "too_small")],
    ),
    (
        "1823 pages a number",
        {"model": MODEL, "image": IMAGE, "pages": 3},
        [("Invalid input", ["pages"], "invalid_union")],
    ),
    (
        "1823 pages non-integer",
        {"model": MODEL, "image": IMAGE, "pages": [1.5]},
        [("Invalid input", ["pages"], "invalid_union")],
    ),
    (
        "1824 include_image_base64",
        {"model": MODEL, "image": IMAGE, "include_image_base64": "yes"},
        [("Invalid input: expected boolean, received string", ["include_image_base64"], "invalid_type")],
    ),
    (
        "1825 image_limit negative",
        {"model": MODEL, "image": IMAGE, "image_limit": -1},
        [("Too small: expected number to be >=0", ["image_limit"], "too_small")],
    ),
    (
        "1825 image_limit 1.5",
        {"model": MODEL, "image": IMAGE, "image_limit": 1.5},
        [("Invalid input: expected int, received number", ["image_limit"], "invalid_type")],
    ),
    (
        "1826 image_min_size string",
        {"model": MODEL, "image": IMAGE, "image_min_size": "2"},
        [("Invalid input: expected number, received string", ["image_min_size"], "invalid_type")],
    ),
    (
        "1825 image_limit 1e21",
        {"model": MODEL, "image": IMAGE, "image_limit": 1e21},
        [("Too big: expected int to be <=9007199254740991", ["image_limit"], "too_big")],
    ),
    (
        "1830 table_format",
        {"model": MODEL, "image": IMAGE, "table_format": "csv"},
        [('Invalid option: expected one of "markdown"|"html"', ["table_format"], "invalid_value")],
    ),
    (
        "1834 confidence_scores_granularity",
        {"model": MODEL, "image": IMAGE, "confidence_scores_granularity": "line"},
        [('Invalid option: expected one of "word"|"page"', ["confidence_scores_granularity"], "invalid_value")],
    ),
    (
        "1831 extract_header not nullable",
        {"model": MODEL, "image": IMAGE, "extract_header": None},
        [("Invalid input: expected boolean, received null", ["extract_header"], "invalid_type")],
    ),
    (
        "1833 include_blocks",
        {"model": MODEL, "image": IMAGE, "include_blocks": 1},
        [("Invalid input: expected boolean, received number", ["include_blocks"], "invalid_type")],
    ),
    (
        "1828 annotation format type",
        {"model": MODEL, "image": IMAGE, "document_annotation_format": {"type": "text"}},
        [
            ('Invalid input: expected "json_schema"', ["document_annotation_format", "type"], "invalid_value"),
            (
                "Invalid input: expected object, received undefined",
                ["document_annotation_format", "json_schema"],
                "invalid_type",
            ),
        ],
    ),
    (
        "1792 schema is a record",
        {
            "model": MODEL,
            "image": IMAGE,
            "bbox_annotation_format": {"type": "json_schema", "json_schema": {"name": "n", "schema": []}},
        },
        [
            (
                "Invalid input: expected record, received array",
                ["bbox_annotation_format", "json_schema", "schema"],
                "invalid_type",
            )
        ],
    ),
    (
        "1794 strict format object",
        {
            "model": MODEL,
            "image": IMAGE,
            "bbox_annotation_format": {
                "type": "json_schema",
                "json_schema": {"name": "n", "schema": {}},
                "strict": True,
            },
        },
        [('Unrecognized key: "strict"', ["bbox_annotation_format"], "unrecognized_keys")],
    ),
    # prompt without a document format (schemas.ts 1848-1854); a bbox format does not count
    (
        "1848 prompt without format",
        {"model": MODEL, "image": IMAGE, "document_annotation_prompt": "x", "bbox_annotation_format": None},
        [("document_annotation_prompt requires document_annotation_format", ["document_annotation_prompt"], "custom")],
    ),
    (
        "zod skip: an enum issue stops the refinements",
        {"model": MODEL, "table_format": "csv"},
        [('Invalid option: expected one of "markdown"|"html"', ["table_format"], "invalid_value")],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in CASES], ids=[name for name, _, _ in CASES])
def test_refused_bodies_get_the_gateways_details(
    client08: TestClient, body: dict[str, Any], expected: list[tuple[str, list[Any], str]]
) -> None:
    response = post(client08, body)
    assert details_of(response) == expected
    message, path, _ = expected[0]
    description = response.json()["description"]
    assert description == (f"{message} at {'.'.join(map(str, path))}" if path else message)


ACCEPTED = [
    ("1818 language stripped, any value", {"model": MODEL, "image": IMAGE, "language": 5}),
    ("1796 document_url with a name", {"model": MODEL, "document": {**PDF, "document_name": None}}),
    (
        "1808 image_url object",
        {"model": MODEL, "document": {"type": "image_url", "image_url": {"url": IMAGE, "detail": None}}},
    ),
    (
        "1798 file uuid",
        {"model": MODEL, "document": {"type": "file", "file_id": "123e4567-e89b-42d3-a456-426614174000"}},
    ),
    (
        "1823-1834 the 12 fields, nulls where allowed",
        {
            "model": MODEL,
            "image": IMAGE,
            "pages": None,
            "include_image_base64": None,
            "image_limit": None,
            "image_min_size": 0,
            "bbox_annotation_format": None,
            "document_annotation_format": {
                "type": "json_schema",
                "json_schema": {"name": "inv", "description": None, "schema": {"type": "object"}, "strict": True},
            },
            "document_annotation_prompt": "Extract the invoice",
            "table_format": None,
            "extract_header": True,
            "extract_footer": False,
            "include_blocks": False,
            "confidence_scores_granularity": None,
        },
    ),
    ('1823 pages "0,2-4" and []', {"model": MODEL, "image": IMAGE, "pages": "0,2-4"}),
    ("1821 image of spaces is truthy", {"model": MODEL, "image": "   "}),
]


@pytest.mark.parametrize("body", [b for _, b in ACCEPTED], ids=[name for name, _ in ACCEPTED])
def test_accepted_bodies_succeed(client08: TestClient, body: dict[str, Any]) -> None:
    response = post(client08, body)
    assert response.status_code == 200, response.text
