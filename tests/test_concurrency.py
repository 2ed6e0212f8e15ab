"""Scripted answers under concurrency, over a real socket: each answer is served exactly once."""

from __future__ import annotations

import concurrent.futures
from collections import Counter
from typing import Any

import httpx

from tests.helpers import AUTH
from tests.server import RunningServer

MODEL = "mistral/ocr-3"
THREADS = 32


def _answer(response: httpx.Response) -> str:
    """What one call got: the text of a success, the status of anything else."""
    return str(response.json()["text"]) if response.status_code == 200 else str(response.status_code)


def _hammer(url: str, calls: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Counter[str]:
    """``calls`` requests from ``THREADS`` threads at once, each thread on its own connection."""
    def one(_: int) -> str:
        with httpx.Client(base_url=url, timeout=30) as http:
            return _answer(http.post("/v1/ocr", json=body, headers={**AUTH, **(headers or {})}))

    with concurrent.futures.ThreadPoolExecutor(THREADS) as pool:
        return Counter(pool.map(one, range(calls)))


def test_times_is_served_exactly_that_many_times_to_many_threads(socket_server: RunningServer) -> None:
    with httpx.Client(base_url=socket_server.url) as admin:
        admin.post("/_mock/reset")
        created = admin.post("/_mock/scripts", json={"id": "limited", "model": MODEL, "match": {"language": "lim"},
                                                     "text": "limited", "times": 37, "delay_ms": 5})
        assert created.status_code == 201
        answers = _hammer(socket_server.url, 120, {"model": MODEL, "image": "x", "language": "lim"})
        assert answers["limited"] == 37
        assert sum(answers.values()) == 120
        assert all(text.startswith("# Mock OCR document") for text in answers if text != "limited")
        listed = admin.get("/_mock/scripts").json()["scripts"]
        assert [(s["id"], s["calls"], s["remaining"]) for s in listed] == [("limited", 37, 0)]


def test_a_sequence_with_failures_and_times_is_consumed_exactly_once(socket_server: RunningServer) -> None:
    sequence = [
        {"text": "first", "times": 10},
        {"upstream": {"status": 503}, "times": 15},
        {"error": {"code": "insufficient_funds"}, "times": 5},
        {"text": "last", "delay_ms": 20, "times": 20},
    ]
    with httpx.Client(base_url=socket_server.url) as admin:
        admin.post("/_mock/reset")
        admin.post("/_mock/scripts", json={"model": MODEL, "match": {"language": "seq"}, "sequence": sequence})
        answers = _hammer(socket_server.url, 100, {"model": MODEL, "image": "x", "language": "seq"})
        defaults = sum(count for answer, count in answers.items() if answer.startswith("# Mock OCR document"))
        assert (answers["first"], answers["502"], answers["402"], answers["last"], defaults) == (10, 15, 5, 20, 50)
        journal = admin.get("/_mock/requests", params={"model": MODEL}).json()["requests"]
        assert len(journal) == 100
        assert Counter(entry["status"] for entry in journal) == {200: 80, 502: 15, 402: 5}
