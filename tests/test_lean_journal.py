"""The lean path's journal entries are cheap to hold: a full journal (10,000 entries by default) must not be
ten thousand trees of objects for the garbage collector to walk, which showed as p99 stalls of 60-70 ms under
load. An entry holds its details as bytes and objects shared by every entry, and reads back in full."""

from __future__ import annotations

import gc
from pathlib import Path

import orjson

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.asgi_driver import RawRequest, call
from tests.helpers import KEY

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def ocr_request(body: dict[str, object]) -> RawRequest:
    raw = orjson.dumps(body)
    return RawRequest(headers=[(b"authorization", f"Bearer {KEY}".encode()), (b"content-type", b"application/json"),
                               (b"content-length", str(len(raw)).encode())], chunks=[raw])


def per_entry_containers(mock: Mock) -> list[set[int]]:
    """For each entry, the ids of the containers the collector would walk that hang off it alone."""
    entries = mock.journal.entries()
    shared: set[int] | None = None
    found = []
    for entry in entries:
        reachable = {id(item) for item in gc.get_referents(entry.details) if gc.is_tracked(item)}
        found.append(reachable)
        shared = reachable if shared is None else shared & reachable
    return [containers - (shared or set()) for containers in found]


def test_an_unmatched_request_s_entry_holds_bytes_and_shared_objects_only() -> None:
    mock = Mock(Settings(fixtures=FIXTURES, gateway_release="2026-08"))
    app = create_app(mock=mock)
    for page in ("aGVsbG8=", "d29ybGQ=", "cGFnZQ=="):  # no bundled script matches: the nearest scripts are pending
        assert call(app, ocr_request({"model": "mistral/ocr-3", "image": page})).status == 200
    assert per_entry_containers(mock) == [set(), set(), set()]
    first = mock.journal.entries()[0].to_json()
    assert first["body"] == {"model": "mistral/ocr-3", "image": "aGVsbG8="}
    assert first["headers"]["authorization"] == "[redacted]"
    assert [near["script"] for near in first["nearest"]][:1] == ["ocr-3-invoice"]
    assert first["nearest"][0]["mismatches"][0]["field"] == "image.sha256"
    assert first["response"]["object"] == "ocr"


def test_identical_requests_show_the_same_nearest_scripts_and_a_script_added_later_shows_on_later_entries() -> None:
    """The nearest scripts are worked out once per kind of request when the journal is read: the entries still
    show what each request was matched against when it came."""
    mock = Mock(Settings(fixtures=FIXTURES))
    app = create_app(mock=mock)
    body = {"model": "mistral/ocr-3", "image": "aGVsbG8="}
    for _ in range(2):
        assert call(app, ocr_request(body)).status == 200
    mock.admin.add_scripts({"id": "runtime-near", "model": "mistral/ocr-3", "match": {"language": "fr"},
                            "text": "bonjour"})
    assert call(app, ocr_request(body)).status == 200
    assert call(app, ocr_request({**body, "image": "d29ybGQ="})).status == 200
    first, second, third, other = (entry["nearest"] for entry in mock.admin.requests()["requests"])
    assert first == second
    assert "runtime-near" not in [near["script"] for near in first]
    assert [m["got"] for m in first[0]["mismatches"]] != [m["got"] for m in other[1]["mismatches"]]
    assert other[1]["script"] == first[0]["script"]  # the same script, shown with the other image's digest
    assert third[0] == {"script": "runtime-near",
                        "mismatches": [{"field": "language", "expected": "fr", "got": None}]}


def test_the_listing_is_each_entry_in_full() -> None:
    mock = Mock(Settings(fixtures=FIXTURES))
    app = create_app(mock=mock)
    assert call(app, ocr_request({"model": "mistral/ocr-3", "image": "aGVsbG8="})).status == 200
    assert call(app, ocr_request({"model": "mistral/ocr-3"})).status == 400
    listing = orjson.loads(mock.admin.requests_encoded())
    assert listing["dropped"] == 0 and listing["limit"] == mock.journal.limit
    assert listing["requests"] == [entry.to_json() for entry in mock.journal.entries()]
    assert [list(entry) for entry in listing["requests"]] == [
        ["id", "time", "method", "path", "headers", "body", "status", "latency_ms", "model", "script", "nearest",
         "response", "answered_by"]] * 2
    assert listing["requests"][1]["response"]["error"] == "validation_error"
    assert listing["requests"][0]["body"] == {"model": "mistral/ocr-3", "image": "aGVsbG8="}
