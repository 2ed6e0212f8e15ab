"""SIGTERM while requests are in flight: each of them finishes with its answer, and the process exits 0."""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path

import httpx

from tests.helpers import AUTH
from tests.server import serve

SLOW = "scripts:\n  - {id: slow, model: mistral/ocr-3, match: {language: slow}, text: finished, delay_ms: 4000}\n"


def test_sigterm_lets_in_flight_requests_finish_and_exits_0(tmp_path: Path) -> None:
    (tmp_path / "slow.yaml").write_text(SLOW)
    body = {"model": "mistral/ocr-3", "image": "x", "language": "slow"}
    with serve("--fixtures", str(tmp_path)) as server:
        def call(_: int) -> tuple[int, str]:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                response = http.post("/v1/ocr", json=body, headers=AUTH)
                return response.status_code, response.json()["text"]

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            in_flight = [pool.submit(call, n) for n in range(16)]
            # all 16 are now waiting on the scripted 4 s delay (2 s to connect and send: ample on a loaded machine,
            # where 0.5 s was not always enough for 16 threads to connect)
            time.sleep(2)
            stopped = time.monotonic()
            exit_code = server.stop(timeout=30)
            answers = [future.result() for future in in_flight]
        took = time.monotonic() - stopped
    assert exit_code == 0
    assert answers == [(200, "finished")] * 16
    assert 1 < took < 12  # it waited for them, and no longer than needed
    assert "Finished server process" in server.log
    assert "Traceback" not in server.log
