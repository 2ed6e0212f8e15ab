"""``serve --reload`` while a fixture file is truncated mid-write, made invalid or deleted, under load:
the last good set keeps serving, every request is answered, the problem is logged and shown by
``/_mock/health``."""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.helpers import AUTH
from tests.server import serve

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}
GOOD = "scripts:\n  - {id: %s, model: mistral/ocr-3, text: %s}\n"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


@contextmanager
def load(url: str, threads: int = 4) -> Iterator[Counter[str]]:
    """Requests from ``threads`` threads until the block ends; yields the tally of answers."""
    answers: Counter[str] = Counter()
    stop = threading.Event()

    def run() -> None:
        with httpx.Client(base_url=url, timeout=30) as http:
            while not stop.is_set():
                response = http.post("/v1/ocr", json=BODY, headers=AUTH)
                answers[response.json()["text"] if response.status_code == 200 else str(response.status_code)] += 1

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(run) for _ in range(threads)]
        try:
            yield answers
        finally:
            stop.set()
            for future in futures:
                future.result()  # a transport error in a load thread fails the test


def reload_error(http: httpx.Client) -> str:
    return str(http.get("/_mock/health").json()["reload_error"] or "")


def serving(http: httpx.Client) -> str:
    return str(http.post("/v1/ocr", json=BODY, headers=AUTH).json()["text"])


def start(tmp_path: Path) -> tuple[Path, Path]:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    scripts = fixtures / "scripts.yaml"
    scripts.write_text(GOOD % ("v1", "version one"))
    return fixtures, scripts


def test_a_file_truncated_mid_write_under_load_keeps_the_last_good_set(tmp_path: Path) -> None:
    fixtures, scripts = start(tmp_path)
    final = GOOD % ("v2", "version two") + "  - {id: extra, model: mistral/ocr-4, text: more}\n"
    with serve("--fixtures", str(fixtures), "--reload") as server, httpx.Client(base_url=server.url) as http, \
            load(server.url) as answers:
        assert serving(http) == "version one"
        with scripts.open("w") as half:  # a slow writer: half a file, visible, for a while
            half.write(final[: len(final) // 2])
            half.flush()
            wait_for(lambda: "scripts.yaml" in reload_error(http))
            assert serving(http) == "version one"
            half.write(final[len(final) // 2 :])
        wait_for(lambda: serving(http) == "version two")
        assert reload_error(http) == ""
    assert set(answers) == {"version one", "version two"}  # every request answered, never an error
    assert "fixtures not reloaded, the last good set keeps serving" in server.log
    assert "fixtures reloaded: 2 scripts from 1 files" in server.log


def test_invalid_binary_and_unsafe_files_keep_the_last_good_set(tmp_path: Path) -> None:
    fixtures, scripts = start(tmp_path)
    breakages: list[tuple[Callable[[], object], str]] = [
        (lambda: scripts.write_text("scripts:\n  - {id: v2, model: mistral/ocr-3, text: [x\n"), "not readable YAML"),
        (lambda: scripts.write_text("scripts:\n  - {id: v2, model: mistral/ocr-3, text: a, colour: red}\n"),
         "scripts[0] (v2)"),
        (lambda: scripts.write_bytes(b"\xff\xfe\x00garbage"), "scripts.yaml"),
        (lambda: scripts.write_text("scripts: !!python/object/apply:os.system ['true']\n"), "not readable YAML"),
        (lambda: scripts.write_text("- a list\n- not a mapping\n"), "scripts.yaml"),
    ]
    with serve("--fixtures", str(fixtures), "--reload") as server, httpx.Client(base_url=server.url) as http, \
            load(server.url) as answers:
        for break_it, problem in breakages:
            break_it()
            wait_for(lambda problem=problem: problem in reload_error(http))  # type: ignore[misc]
            assert serving(http) == "version one"
            scripts.write_text(GOOD % ("v1", "version one"))
            wait_for(lambda: reload_error(http) == "")
    assert set(answers) == {"version one"}
    assert server.log.count("fixtures not reloaded") >= len(breakages)


def test_a_deleted_file_is_an_empty_set_and_a_restored_one_serves_again(tmp_path: Path) -> None:
    fixtures, scripts = start(tmp_path)
    with serve("--fixtures", str(fixtures), "--reload") as server, httpx.Client(base_url=server.url) as http, \
            load(server.url) as answers:
        scripts.unlink()
        wait_for(lambda: serving(http).startswith("# Mock OCR document"))
        assert http.get("/_mock/health").json()["fixture_files"] == []
        scripts.write_text(GOOD % ("v3", "version three"))
        wait_for(lambda: serving(http) == "version three")
    assert all(text in ("version one", "version three") or text.startswith("# Mock OCR") for text in answers)
    assert not any(text.isdigit() for text in answers)
