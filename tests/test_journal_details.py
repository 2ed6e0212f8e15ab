"""A journal entry's details are one JSON document, ``{"headers", "body", "nearest", "response"}``, and the
listing splices each value out of it: the document must be what encoding the dict gives, and each value exactly
its part of it, whatever the request held."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from mockserver.state.journal import DETAIL_NAMES, Details, Entry


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


VALUES = [
    ({}, None, [], None),
    ({"content-type": "application/json"}, {"model": "mistral/ocr-3", "image": "aGVsbG8="},
     [{"script": "s", "mismatches": [{"field": "language", "expected": "fr", "got": None}]}], {"object": "ocr"}),
    ({"x-note": "é\u2028"}, {1: "a key that is not a string", "k": [1.5, None, True, 1e300]}, [], "text"),
    ({}, nested(253), [], None),  # as deep as orjson encodes inside the document
]


@pytest.mark.parametrize("values", VALUES)
def test_the_document_is_the_encoded_dict_and_each_value_its_part_of_it(values: tuple[Any, Any, Any, Any]) -> None:
    details = Details.joined(values)
    as_dict = dict(zip(DETAIL_NAMES, values, strict=True))
    assert details.document == orjson.dumps(as_dict, option=orjson.OPT_NON_STR_KEYS)
    parsed = orjson.loads(details.document)
    assert [orjson.loads(part) for part in details.values()] == [parsed[name] for name in DETAIL_NAMES]
    from_store = Details(details.document)  # read back from a shared store: no offsets, parsed instead
    assert from_store.values() == details.values()


def test_a_value_too_deep_for_the_document_is_refused_as_the_dict_would_be() -> None:
    values = ({}, nested(254), [], None)
    with pytest.raises(orjson.JSONEncodeError):
        orjson.dumps(dict(zip(DETAIL_NAMES, values, strict=True)))
    with pytest.raises(orjson.JSONEncodeError):
        Details.joined(values)


def test_an_entry_read_back_from_a_shared_store_lists_the_same() -> None:
    entry = Entry(id=7, time="2026-08-01T00:00:00.000Z", method="POST", path="/v1/ocr", status=200, latency_ms=1.23456,
                  model="mistral/ocr-3", script=None, details=Details.joined(VALUES[1]), answered_by="builtin")
    stored = Entry.loads(7, entry.dumps())
    assert stored.listed() == entry.listed()
    assert entry.to_json()["latency_ms"] == 1.235 and entry.to_json()["body"] == VALUES[1][1]
