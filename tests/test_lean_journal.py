"""The lean path's journal entries are cheap to hold: a full journal (10,000 entries by default) must not be
ten thousand trees of objects for the garbage collector to walk, which showed as p99 stalls of 60-70 ms under
load. An entry holds its details as bytes and objects shared by every entry, and reads back in full."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import orjson
import pytest

from mockserver.admin import AdminService
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.journal import Entry
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


def test_listing_the_journal_holds_the_collector_off_and_restores_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The listing builds many acyclic trees at once: the collector waits, and is back as it was afterwards."""
    mock = Mock(Settings(fixtures=FIXTURES))
    assert call(create_app(mock=mock), ocr_request({"model": "mistral/ocr-3", "image": "aGVsbG8="})).status == 200
    seen: list[bool] = []
    original = Entry.to_json

    def noting(entry: Entry) -> dict[str, Any]:
        seen.append(gc.isenabled())
        return original(entry)

    monkeypatch.setattr(Entry, "to_json", noting)
    assert gc.isenabled()
    assert len(AdminService(mock).requests()["requests"]) == 1
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        AdminService(mock).requests()
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
