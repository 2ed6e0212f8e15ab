"""``--record DIR``: answers become fixture files that ``serve --fixtures DIR`` replays to the same bodies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from proxy_helpers import INVOICE, RECEIPT, TINY, comparable, proxying

from mockserver.proxy.config import RecordMode
from mockserver.proxy.recording import Recorder
from mockserver.scripting.loader import read_directory
from mockserver.web.app import Settings, create_app
from tests.contract.contract_helpers import serving
from tests.helpers import AUTH

URL_IMAGE = "https://example.com/scans/a*b?.png"
PRODUCTION_SCRIPTS: list[dict[str, Any]] = [  # what the stand-in for production answers
    {"model": "mistral/ocr-3", "match": {"image": {"file": "images/invoice.png"}},
     "pages": [{"markdown": "# INVOICE 123\n\nTotal: $42.00", "dimensions": {"dpi": 72, "height": 64, "width": 240}},
               "Page two"]},
    {"model": "mistral/ocr-3", "match": {"image": {"file": "images/receipt.jpg"}, "language": "fr"},
     "text": "Reçu 77"},
    {"model": "mistral/ocr-4", "match": {"image": {"url": "https://example.com/scans/*"}},
     "upstream": {"status": 503, "code": "overloaded", "message": "try later", "payload": {"detail": "busy"}}},
    {"model": "mistral/ocr-4", "match": {"image": {"file": "images/receipt.jpg"}},
     "error": {"code": "key_limit_exceeded"}},
    {"model": "mistral/ocr-4", "match": {"image": {"url": "https://example.com/quota/*"}},
     "upstream": {"status": 429, "payload": {"error": {"message": "quota spent", "code": "rate_limited"}}}},
]
REQUESTS: list[dict[str, Any]] = [
    {"model": "mistral/ocr-3", "image": INVOICE},
    {"model": "mistral/ocr-3", "image": INVOICE, "debug": {"return_upstream_response": True}},
    {"model": "mistral/ocr-3", "image": f"data:image/jpeg;base64,{RECEIPT}", "language": "fr"},
    {"model": "mistral/ocr-4", "image": URL_IMAGE},
    {"model": "mistral/ocr-4", "image": RECEIPT},
    {"model": "mistral/ocr-4", "image": TINY},  # the target's built-in default document
    {"model": "mistral/ocr-4", "image": "https://example.com/quota/1.png"},  # error fields read from the body
]
NOT_RECORDED: list[dict[str, Any]] = [
    {"model": "mistral/ocr-3"},  # validation: the mock says it by itself
    {"model": "nobody/none", "image": TINY},  # unknown model
]


def production() -> Any:
    app = create_app(Settings(fixtures=None))
    for index, spec in enumerate(PRODUCTION_SCRIPTS):
        app.state.mock.engine.add({**_resolved(spec), "id": f"prod-{index}"})
    return app


def _resolved(spec: dict[str, Any]) -> dict[str, Any]:
    from mockserver.pytest_plugin.specs import resolve_image_files

    return resolve_image_files(spec, Path(__file__).resolve().parents[2] / "fixtures")


def record(directory: Path, requests: list[dict[str, Any]], **options: Any) -> list[httpx.Response]:
    recorder = Recorder.directory(directory, **options)
    with serving(production()) as target, proxying(target, recorder=recorder) as (client, _):
        return [client.post("/v1/ocr", json=body) for body in requests]


def replay(directory: Path, requests: list[dict[str, Any]]) -> list[httpx.Response]:
    with serving(create_app(Settings(fixtures=directory))) as url:
        return [httpx.post(f"{url}/ocr", json=body, headers=AUTH) for body in requests]


def test_recordings_replay_to_the_same_bodies(tmp_path: Path) -> None:
    recorded = record(tmp_path, REQUESTS + NOT_RECORDED)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mistral-ocr-3.yaml", "mistral-ocr-4.yaml"]
    assert read_directory(tmp_path)[1] == []
    replayed = replay(tmp_path, REQUESTS + NOT_RECORDED)  # the target is gone
    assert [r.status_code for r in replayed] == [r.status_code for r in recorded] == [200, 200, 200, 502, 429, 200,
                                                                                       502, 400, 400]
    for original, again in zip(recorded, replayed, strict=True):
        assert comparable(again.json()) == comparable(original.json())


def test_scripts_match_on_model_image_and_language(tmp_path: Path) -> None:
    record(tmp_path, REQUESTS)
    scripts = {s["match"].get("language", "-") + " " + str(s["match"]["image"]): s
               for path in sorted(tmp_path.glob("*.yaml")) for s in yaml.safe_load(path.read_text())["scripts"]}
    url_script = next(s for s in scripts.values() if "url" in s["match"]["image"])
    assert url_script["match"]["image"]["url"] == "https://example.com/scans/a[*]b[?].png"
    assert url_script["upstream"] == {"status": 503, "code": "overloaded", "message": "try later",
                                      "payload": {"detail": "busy"}}
    french = next(s for s in scripts.values() if s["match"].get("language") == "fr")
    assert french["pages"] == ["Reçu 77"] and set(french["match"]["image"]) == {"sha256"}
    limited = next(s for s in scripts.values() if "error" in s)
    assert limited["error"]["code"] == "key_limit_exceeded"
    assert len(scripts) == 6  # the invoice asked twice (with and without debug) is one request
    quota = next(s for s in scripts.values() if "quota" in str(s["match"]["image"]))
    payload = {"error": {"message": "quota spent", "code": "rate_limited"}}
    assert quota["upstream"] == {"status": 429, "payload": payload}  # the fields the gateway reads from it


def test_the_same_request_twice_is_recorded_once_unless_mode_all(tmp_path: Path) -> None:
    twice = [{"model": "mistral/ocr-4", "image": TINY}] * 2
    for mode in RecordMode:
        recorder = Recorder.directory(tmp_path / mode.value, mode=mode)
        with serving(_sequence_target()) as target, proxying(target, recorder=recorder) as (client, _):
            for body in twice:
                client.post("/v1/ocr", json=body)
    once = yaml.safe_load((tmp_path / "once" / "mistral-ocr-4.yaml").read_text())["scripts"]
    every = yaml.safe_load((tmp_path / "all" / "mistral-ocr-4.yaml").read_text())["scripts"]
    assert [s["pages"] for s in once] == [["first"]]
    assert [s["sequence"] for s in every] == [[{"pages": ["first"]}, {"pages": ["second"]}]]
    texts = [answer.json()["text"] for answer in replay(tmp_path / "all", twice)]
    assert texts == ["first", "second"]


def _sequence_target() -> Any:
    app = create_app(Settings())
    app.state.mock.engine.add({"model": "mistral/ocr-4", "sequence": [{"text": "first"}, {"text": "second"}]})
    return app


def test_images_are_kept_only_as_digests_unless_asked(tmp_path: Path) -> None:
    record(tmp_path / "digests", REQUESTS[:1])
    record(tmp_path / "files", REQUESTS[:1], images_dir=tmp_path / "files" / "images")
    assert not (tmp_path / "digests" / "images").exists()
    images = list((tmp_path / "files" / "images").iterdir())
    assert [path.suffix for path in images] == [".png"]
    assert images[0].read_bytes() == (Path(__file__).resolve().parents[2] / "fixtures/images/invoice.png").read_bytes()
    script = yaml.safe_load((tmp_path / "files" / "mistral-ocr-3.yaml").read_text())["scripts"][0]
    assert script["match"]["image"] == {"file": f"images/{images[0].name}"}
    assert replay(tmp_path / "files", REQUESTS[:1])[0].json()["text"].startswith("# INVOICE 123")


def test_a_crash_while_writing_leaves_the_last_valid_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    record(tmp_path, REQUESTS[:1])
    before = (tmp_path / "mistral-ocr-3.yaml").read_text()

    def crash(fd: int) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        Recorder.directory(tmp_path).record(_recording_of(REQUESTS[2]))
    assert (tmp_path / "mistral-ocr-3.yaml").read_text() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mistral-ocr-3.yaml"]  # no temporary left
    assert read_directory(tmp_path)[1] == []


def _recording_of(body: dict[str, Any]) -> Any:
    import orjson

    from mockserver.proxy.checking import judged
    from mockserver.proxy.recording import recording_for

    raw = orjson.dumps(body)
    verdict = judged([("authorization", AUTH["Authorization"]), ("content-type", "application/json")], raw)
    answer = orjson.dumps({"text": "x", "usage": {"pricing_breakdown": {"lines": [{"quantity": 1}]}}})
    return recording_for(raw, verdict, 200, answer)


def test_a_recording_that_cannot_be_written_does_not_cost_the_client_its_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "mistral-ocr-3.yaml").write_text("scripts: [unclosed\n")  # someone's broken edit
    answers = record(tmp_path, REQUESTS[:1])
    assert answers[0].status_code == 200
    assert any(record.getMessage().startswith("not recorded (mistral-ocr-3-") for record in caplog.records)
    assert (tmp_path / "mistral-ocr-3.yaml").read_text() == "scripts: [unclosed\n"


def test_a_document_the_request_names_is_matched_too(tmp_path: Path) -> None:
    """2026-07 drops ``document`` silently; 2026-08 reads it: a recording tells two documents apart."""
    bodies = [{"model": "mistral/ocr-3", "image": TINY, "document": {"type": "document_url", "document_url": url}}
              for url in ("https://example.com/a.pdf", "https://example.com/b.pdf")]
    record(tmp_path, bodies)
    scripts = yaml.safe_load((tmp_path / "mistral-ocr-3.yaml").read_text())["scripts"]
    assert [s["match"]["body"]["document"]["document_url"] for s in scripts] == [
        "https://example.com/a.pdf", "https://example.com/b.pdf"]
    app = create_app(Settings(fixtures=tmp_path))
    with serving(app) as url:
        for body in bodies:
            httpx.post(f"{url}/ocr", json=body, headers=AUTH)
    assert [entry.script for entry in app.state.mock.journal.entries()] == [s["id"] for s in scripts]
