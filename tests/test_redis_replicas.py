"""Two ``ocr-mock serve`` replicas on two ports over one real Redis (``--state redis://``): each sequence step
and each ``times`` unit is served exactly once across them under concurrent load, keys are charged once
per success, the journal lists each request once with increasing ids, a reset through one resets both,
and mocks with other fixtures share the Redis without seeing each other's state. Then the Redis goes away
and comes back: 503s in the gateway envelope meanwhile, serving resumes without a restart, and every
answered request is in the journal."""

from __future__ import annotations

import concurrent.futures
import itertools
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import AUTH
from tests.redis_server import RedisServer, free_port, running_redis, start_redis
from tests.server import serve

MODEL = "mistral/ocr-3"
BODY = {"model": MODEL, "image": "https://files.example.com/invoices/2026/inv-1.png"}
TEAM = "aistats_v1_sk_team0001_s3cret"
CLIENTS = 16


@pytest.fixture(scope="module")
def replicas(redis_server: RedisServer) -> Iterator[tuple[str, str]]:
    state = ("--state", redis_server.url, "--state-namespace", "replicas", "--no-fixtures")
    with serve(*state) as first, serve(*state) as second:
        yield first.url, second.url


@pytest.fixture
def urls(replicas: tuple[str, str]) -> tuple[str, str]:
    assert httpx.post(f"{replicas[1]}/_mock/reset").status_code == 200
    return replicas


def on_both(urls: tuple[str, str], count: int, request: Any) -> list[Any]:
    """``count`` calls of ``request(url)``, CLIENTS at a time, alternating between the replicas."""
    targets = itertools.islice(itertools.cycle(urls), count)
    with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(request, targets))


CLIENT = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=2 * CLIENTS))  # one TLS context, pooled


def ocr_text(url: str, headers: dict[str, str] = AUTH) -> str | int:
    response = CLIENT.post(f"{url}/v1/ocr", json=BODY, headers=headers)
    return str(response.json()["text"]) if response.status_code == 200 else response.status_code


def test_each_sequence_step_is_served_exactly_once_across_replicas(urls: tuple[str, str]) -> None:
    steps = [f"step {n}" for n in range(40)]
    httpx.post(f"{urls[0]}/_mock/scripts", json={"model": MODEL, "sequence": [{"text": s} for s in steps]})
    answers = on_both(urls, 100, ocr_text)
    assert sorted(answer for answer in answers if answer in steps) == sorted(steps)
    assert sum(1 for answer in answers if str(answer).startswith("# Mock OCR document")) == 60


def test_each_times_unit_is_served_exactly_once_across_replicas(urls: tuple[str, str]) -> None:
    httpx.post(f"{urls[1]}/_mock/scripts", json={"id": "limited", "model": MODEL, "times": 25, "text": "limited"})
    answers = on_both(urls, 80, ocr_text)
    assert answers.count("limited") == 25
    (script,) = httpx.get(f"{urls[0]}/_mock/scripts").json()["scripts"]
    assert (script["calls"], script["remaining"]) == (25, 0)


def test_a_script_added_through_one_replica_answers_on_the_other(urls: tuple[str, str]) -> None:
    httpx.post(f"{urls[0]}/_mock/scripts", json={"model": MODEL, "text": "everywhere"})
    assert ocr_text(urls[1]) == "everywhere"


def test_the_journal_lists_each_request_once_with_increasing_ids(urls: tuple[str, str]) -> None:
    answers = on_both(urls, 60, ocr_text)
    assert all(isinstance(answer, str) for answer in answers)
    entries = httpx.get(f"{urls[1]}/_mock/requests").json()["requests"]
    ids = [entry["id"] for entry in entries]
    assert len(ids) == 60 and ids == sorted(set(ids))
    responses = {entry["response"]["id"] for entry in entries}
    assert len(responses) == 60  # sixty distinct answers, none journaled twice


def test_a_key_is_charged_once_per_success_across_replicas(urls: tuple[str, str]) -> None:
    httpx.put(f"{urls[0]}/_mock/keys", json={"keys": [{"key": TEAM, "balance_usd": 100}]})
    team = {"Authorization": f"Bearer {TEAM}"}
    assert isinstance(ocr_text(urls[0], team), str)
    one = httpx.get(f"{urls[1]}/_mock/keys").json()["keys"][0]["spent_usd"]
    assert one > 0
    answers = on_both(urls, 79, lambda url: ocr_text(url, team))
    assert all(isinstance(answer, str) for answer in answers)
    (account,) = httpx.get(f"{urls[1]}/_mock/keys").json()["keys"]
    assert account["requests"] == {"daily": 80, "weekly": 80, "monthly": 80}
    assert account["spent_usd"] == pytest.approx(80 * one)
    assert account["balance_usd"] == pytest.approx(100 - 80 * one)


def test_a_reset_through_one_replica_resets_both(urls: tuple[str, str]) -> None:
    httpx.post(f"{urls[0]}/_mock/scripts", json={"model": MODEL, "text": "gone after reset"})
    ocr_text(urls[0])
    httpx.post(f"{urls[1]}/_mock/reset")
    assert httpx.get(f"{urls[0]}/_mock/scripts").json()["scripts"] == []
    assert httpx.get(f"{urls[0]}/_mock/requests").json()["requests"] == []
    assert ocr_text(urls[0]) != "gone after reset"


def test_mocks_with_other_fixtures_share_the_redis_apart(redis_server: RedisServer, urls: tuple[str, str],
                                                         tmp_path: Path) -> None:
    (tmp_path / "scripts.yaml").write_text(f"scripts:\n  - {{model: {MODEL}, text: from the other fixtures}}\n")
    httpx.post(f"{urls[0]}/_mock/scripts", json={"model": MODEL, "text": "from the replicas"})
    with serve("--state", redis_server.url, "--fixtures", str(tmp_path)) as other:
        assert ocr_text(other.url) == "from the other fixtures"
        assert ocr_text(urls[1]) == "from the replicas"
        httpx.post(f"{other.url}/_mock/reset")
        assert len(httpx.get(f"{urls[0]}/_mock/scripts").json()["scripts"]) == 1
        assert len(httpx.get(f"{urls[0]}/_mock/requests").json()["requests"]) == 1


# -- the Redis goes away and comes back ------------------------------------------------------------------


@pytest.fixture
def keyed_fixtures(tmp_path: Path) -> Path:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "keys.yaml").write_text(f"keys:\n  - {{key: {TEAM}, balance_usd: 100}}\n")
    return fixtures


def served_again(url: str, headers: dict[str, str], within_s: float = 5.0) -> httpx.Response:
    """The first answer that is not a 503 (a mock retries its store a quarter of a second after a failure)."""
    deadline = time.monotonic() + within_s
    while True:
        response = httpx.post(url, json=BODY, headers=headers)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def test_while_redis_is_down_ocr_answers_503_and_nothing_answered_is_lost(tmp_path: Path,
                                                                          keyed_fixtures: Path) -> None:
    port = free_port()
    team = {"Authorization": f"Bearer {TEAM}"}
    durable = ("--appendonly", "yes", "--appendfsync", "always")  # this Redis keeps its data across the restart
    redis = start_redis(tmp_path, port, *durable)
    try:
        with serve("--state", f"redis://127.0.0.1:{port}/0", "--fixtures", str(keyed_fixtures), "--keys",
                   str(keyed_fixtures / "keys.yaml")) as mock:
            answered: list[str] = []
            statuses: list[int] = []
            stop = threading.Event()

            def load() -> None:
                with httpx.Client(base_url=mock.url, headers=team, timeout=30) as http:
                    while not stop.is_set():
                        response = http.post("/v1/ocr", json=BODY)
                        statuses.append(response.status_code)
                        if response.status_code == 200:
                            answered.append(response.json()["id"])

            clients = [threading.Thread(target=load) for _ in range(4)]
            for client in clients:
                client.start()
            time.sleep(0.5)
            redis.stop()
            time.sleep(0.5)
            down = httpx.post(f"{mock.url}/v1/ocr", json=BODY, headers=team)
            health = httpx.get(f"{mock.url}/_mock/health")
            redis = start_redis(tmp_path, port, *durable)
            time.sleep(0.5)
            stop.set()
            for client in clients:
                client.join()

            assert down.status_code == 503
            error = down.json()
            assert (error["error"], error["status_code"], error["error_origin"]) == \
                ("state_store_unavailable", 503, "gateway")
            assert f"redis://127.0.0.1:{port}/0" in error["description"] and "Traceback" not in down.text
            assert health.status_code == 503
            assert (health.json()["status"], health.json()["state"]["status"]) == ("store_down", "down")
            assert set(statuses) == {200, 503} and statuses[-1] == 200  # served, refused, served again
            assert "Traceback" not in mock.log
            journaled = {entry["response"]["id"] for entry in httpx.get(f"{mock.url}/_mock/requests").json()
                         ["requests"] if entry["status"] == 200}
            assert set(answered) <= journaled  # every acknowledged answer is in the journal
            assert httpx.get(f"{mock.url}/_mock/health").json()["state"]["status"] == "up"
    finally:
        redis.stop()


def test_a_redis_that_comes_back_empty_is_filled_from_the_files_again(tmp_path: Path,
                                                                        keyed_fixtures: Path) -> None:
    port = free_port()
    team = {"Authorization": f"Bearer {TEAM}"}
    keys = ("--fixtures", str(keyed_fixtures), "--keys", str(keyed_fixtures / "keys.yaml"))
    with running_redis(tmp_path, port) as redis, serve("--state", f"redis://127.0.0.1:{port}/0", *keys) as mock:
        assert httpx.post(f"{mock.url}/v1/ocr", json=BODY, headers=team).status_code == 200
        redis.stop()
        assert httpx.post(f"{mock.url}/v1/ocr", json=BODY, headers=team).status_code == 503
        redis.process = start_redis(tmp_path, port).process  # empty: no persistence
        response = served_again(f"{mock.url}/v1/ocr", team)
        assert response.status_code == 200, response.text  # the listed key is known again
        assert len(httpx.get(f"{mock.url}/_mock/keys").json()["keys"]) == 1


def test_a_redis_that_stops_answering_costs_one_timeout_then_fails_fast(tmp_path: Path) -> None:
    """SIGSTOP: the Redis accepts connections and never answers. The first call waits for the command timeout;
    meanwhile and for a moment after, calls are refused at once instead of each waiting again."""
    port = free_port()
    team = {"Authorization": f"Bearer {TEAM}"}
    with running_redis(tmp_path, port) as redis, serve("--state", f"redis://127.0.0.1:{port}/0") as mock:
        assert httpx.post(f"{mock.url}/v1/ocr", json=BODY, headers=team).status_code == 200
        redis.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            assert httpx.post(f"{mock.url}/v1/ocr", json=BODY, headers=team, timeout=30).status_code == 503
            waited = time.monotonic() - started
            started = time.monotonic()
            health = httpx.get(f"{mock.url}/_mock/health")
            assert (health.status_code, health.json()["state"]["status"]) == (503, "down")
            assert "TimeoutError" in health.json()["state"]["error"]
            assert time.monotonic() - started < 0.25 < waited  # refused at once after the one that waited
        finally:
            redis.process.send_signal(signal.SIGCONT)
        assert served_again(f"{mock.url}/v1/ocr", team).status_code == 200
