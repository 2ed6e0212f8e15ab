"""``ocr-mock serve --workers N``: scripts, sequences, the journal and key balances stay consistent
across worker processes, whose shared state lives in one SQLite file."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.helpers import AUTH
from tests.server import RunningServer, serve

MODEL = "mistral/ocr-3"
BODY = {"model": MODEL, "image": "https://files.example.com/invoices/2026/inv-1.png"}
TEAM = "aistats_v1_sk_team0001_s3cret"
CLIENTS = 8


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve("--workers", "2", "--no-fixtures") as running:
        yield running
        running.stop()  # SIGTERM, so the parent removes its temporary state file


@pytest.fixture
def url(server: RunningServer) -> str:
    assert httpx.post(f"{server.url}/_mock/reset").status_code == 200
    return server.url


def fresh(url: str, method: str, path: str, **kw: Any) -> httpx.Response:
    """One request on its own connection, so successive requests land on any worker."""
    with httpx.Client(base_url=url) as http:
        return http.request(method, path, **kw)


def concurrently(count: int, request: Any) -> list[Any]:
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda _: request(), range(count)))


def text_or_status(response: httpx.Response) -> str | int:
    return str(response.json()["text"]) if response.status_code == 200 else response.status_code


def test_a_sequence_is_consumed_exactly_once_across_workers(url: str) -> None:
    steps = [f"step {n}" for n in range(24)]
    fresh(url, "POST", "/_mock/scripts", json={"model": MODEL, "sequence": [{"text": s} for s in steps]})
    answers = concurrently(32, lambda: text_or_status(fresh(url, "POST", "/v1/ocr", json=BODY, headers=AUTH)))
    scripted = [answer for answer in answers if answer in steps]
    assert sorted(scripted) == sorted(steps)  # each step served once, none twice
    assert all(str(answer).startswith("# Mock OCR document") for answer in answers if answer not in steps)
    (script,) = fresh(url, "GET", "/_mock/scripts").json()["scripts"]
    assert (script["calls"], script["remaining"]) == (24, 0)


def test_a_script_added_through_one_worker_answers_on_every_worker(url: str) -> None:
    fresh(url, "POST", "/_mock/scripts", json={"model": MODEL, "text": "everywhere"})
    answers = concurrently(24, lambda: text_or_status(fresh(url, "POST", "/v1/ocr", json=BODY, headers=AUTH)))
    assert answers == ["everywhere"] * 24


def test_the_journal_lists_every_request_exactly_once(url: str) -> None:
    statuses = concurrently(30, lambda: fresh(url, "POST", "/v1/ocr", json=BODY, headers=AUTH).status_code)
    assert statuses == [200] * 30
    journal = fresh(url, "GET", "/_mock/requests").json()
    assert [entry["id"] for entry in journal["requests"]] == sorted({entry["id"] for entry in journal["requests"]})
    assert len(journal["requests"]) == 30
    assert [entry["status"] for entry in journal["requests"]] == [200] * 30
    assert journal["dropped"] == 0


def test_a_key_is_charged_once_per_success_across_workers(url: str) -> None:
    fresh(url, "PUT", "/_mock/keys", json={"keys": [{"key": TEAM, "balance_usd": 100}]})
    team = {"Authorization": f"Bearer {TEAM}"}
    assert fresh(url, "POST", "/v1/ocr", json=BODY, headers=team).status_code == 200
    (account,) = fresh(url, "GET", "/_mock/keys").json()["keys"]
    one = account["spent_usd"]
    assert one > 0
    statuses = concurrently(29, lambda: fresh(url, "POST", "/v1/ocr", json=BODY, headers=team).status_code)
    assert statuses == [200] * 29
    (account,) = fresh(url, "GET", "/_mock/keys").json()["keys"]
    assert account["requests"] == {"daily": 30, "weekly": 30, "monthly": 30}
    assert account["spent_usd"] == pytest.approx(30 * one)
    assert account["balance_usd"] == pytest.approx(100 - 30 * one)


def test_reset_resets_every_worker(url: str) -> None:
    fresh(url, "POST", "/_mock/scripts", json={"model": MODEL, "text": "before reset"})
    concurrently(8, lambda: fresh(url, "POST", "/v1/ocr", json=BODY, headers=AUTH))
    assert fresh(url, "POST", "/_mock/reset").status_code == 200
    views = concurrently(16, lambda: (len(fresh(url, "GET", "/_mock/scripts").json()["scripts"]),
                                      len(fresh(url, "GET", "/_mock/requests").json()["requests"])))
    assert views == [(0, 0)] * 16
    answers = concurrently(8, lambda: text_or_status(fresh(url, "POST", "/v1/ocr", json=BODY, headers=AUTH)))
    assert "before reset" not in answers


def test_sigterm_stops_every_worker_with_status_0() -> None:
    with serve("--workers", "2", "--no-fixtures") as server:
        assert fresh(server.url, "GET", "/").status_code == 200
        assert server.stop() == 0
    assert server.log.count("Finished server process") == 2


def test_a_state_file_is_emptied_at_start(tmp_path: Path) -> None:
    state = tmp_path / "state.sqlite3"
    for run in ("first", "second"):
        with serve("--workers", "2", "--no-fixtures", "--state-file", str(state)) as server:
            assert fresh(server.url, "GET", "/_mock/scripts").json()["scripts"] == []
            fresh(server.url, "POST", "/_mock/scripts", json={"model": MODEL, "text": run})
            assert server.stop() == 0
    assert state.exists()


def test_a_broken_fixture_set_stops_serve_before_any_worker_starts(tmp_path: Path) -> None:
    import subprocess

    from tests.server import OCR_MOCK

    (tmp_path / "broken.yaml").write_text("scripts:\n  - model: no/such-model\n    text: x\n")
    result = subprocess.run([str(OCR_MOCK), "serve", "--port", "0", "--workers", "2", "--fixtures", str(tmp_path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "no/such-model" in result.stderr and "Started server process" not in result.stderr


# -- two mocks over one state file, in one process: the same guarantees, deterministically -------------


def test_two_mocks_over_one_state_file_share_scripts_journal_and_keys(tmp_path: Path) -> None:
    state = Settings(state=f"sqlite:///{tmp_path / 'state.sqlite3'}")
    first, second = TestClient(create_app(mock=Mock(state))), TestClient(create_app(mock=Mock(state)))
    first.put("/_mock/keys", json={"keys": [{"key": TEAM, "balance_usd": 10}]})
    first.post("/_mock/scripts", json={"model": MODEL, "sequence": [{"text": "one"}, {"text": "two"}]})
    team = {"Authorization": f"Bearer {TEAM}"}
    texts = [client.post("/v1/ocr", json=BODY, headers=team).json()["text"] for client in (second, first, second)]
    assert texts[:2] == ["one", "two"] and texts[2].startswith("# Mock OCR document")
    assert [entry["id"] for entry in first.get("/_mock/requests").json()["requests"]] == [1, 2, 3]
    assert second.get("/_mock/keys").json()["keys"][0]["requests"]["daily"] == 3
    assert second.post("/_mock/scripts", json={"model": MODEL, "text": "x"}).json()["scripts"][0]["id"] == "script-2"
    second.post("/_mock/reset")
    assert first.get("/_mock/scripts").json()["scripts"] == []
    assert first.get("/_mock/requests").json()["requests"] == []
    assert first.get("/_mock/keys").json()["keys"] == []


def test_a_third_mock_joining_the_file_does_not_reset_it(tmp_path: Path) -> None:
    state = Settings(state=f"sqlite:///{tmp_path / 'state.sqlite3'}")
    first = TestClient(create_app(mock=Mock(state)))
    first.post("/_mock/scripts", json={"model": MODEL, "text": "kept"})
    late = TestClient(create_app(mock=Mock(state)))
    assert late.post("/v1/ocr", json=BODY, headers=AUTH).json()["text"] == "kept"


def test_the_shared_journal_keeps_its_limit_and_counts_what_it_dropped(tmp_path: Path) -> None:
    state = Settings(state=f"sqlite:///{tmp_path / 'state.sqlite3'}", journal_limit=2)
    first, second = TestClient(create_app(mock=Mock(state))), TestClient(create_app(mock=Mock(state)))
    for client in (first, second, first, second, first):
        client.get("/")
    journal = second.get("/_mock/requests").json()
    assert ([entry["id"] for entry in journal["requests"]], journal["dropped"]) == ([4, 5], 3)
