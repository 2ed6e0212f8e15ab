"""Choosing the store: ``--state`` and its aliases, the namespace, what a bad choice says, and
``ocr-mock state`` over a shared store."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.state.opening import default_namespace
from tests.redis_server import RedisServer

MODEL = "mistral/ocr-3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--state", "postgres://db/1"], "expected memory, sqlite:///PATH or redis://HOST:PORT/DB"),
        (["--state", "redis://"], "expected memory, sqlite:///PATH or redis://HOST:PORT/DB"),
        (["--state", "redis://127.0.0.1:1/0", "--state-file", "x.db"], "name two stores: pass one"),
        (["--state", "redis://127.0.0.1:1/0", "--no-fixtures"], "redis://127.0.0.1:1/0 namespace ocr-mock:no-fixtures"),
    ],
)
def test_a_bad_or_unreachable_store_stops_serve_with_a_clear_message(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["serve", "--port", "0", *args])
    assert result.exit_code != 0
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_redis_without_its_client_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # By name, imported when the test runs: importing redis while pytest collects shifts the cases that
    # tests/contract/test_contract_mock_conforms.py generates, enough to cross its threshold of 30 successes.
    monkeypatch.setattr("mockserver.state.redis_store.redis", None)
    with pytest.raises(ValueError, match=r"pip install 'aistats-ocr-mock\[redis\]'"):
        Mock(Settings(state="redis://127.0.0.1:6379/0"))


def test_the_default_namespace_follows_the_fixtures_directory(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = default_namespace(tmp_path / "a"), default_namespace(tmp_path / "b")
    assert first != second and first.startswith("ocr-mock:a-") and second.startswith("ocr-mock:b-")
    assert default_namespace(tmp_path / "a" / ".." / "a") == first  # the same directory, however it is named
    assert default_namespace(None) == "ocr-mock:no-fixtures"


def test_state_reset_and_show_work_on_a_shared_redis_without_a_mock(redis_server: RedisServer) -> None:
    store = ["--state", redis_server.url, "--state-namespace", "cli", "--no-fixtures"]
    mock = Mock(Settings(state=redis_server.url, state_namespace="cli"))
    mock.admin.add_scripts({"id": "left-over", "model": MODEL, "text": "from an earlier run"})
    shown = CliRunner().invoke(main, ["state", "show", *store])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    assert [script["id"] for script in document["scripts"]] == ["left-over"]
    assert document["health"]["state"] == {"store": f"{redis_server.url} namespace cli", "status": "up"}
    reset = CliRunner().invoke(main, ["state", "reset", *store])
    assert reset.exit_code == 0, reset.output
    assert mock.admin.scripts() == []


def test_state_show_fails_when_the_store_is_down() -> None:
    result = CliRunner().invoke(main, ["state", "show", "--state", "redis://127.0.0.1:1/0", "--no-fixtures"])
    assert result.exit_code == 1
    assert "redis://127.0.0.1:1/0 namespace ocr-mock:no-fixtures" in result.output


def test_workers_share_a_redis_too(redis_server: RedisServer) -> None:
    from tests.server import serve

    with serve("--workers", "2", "--state", redis_server.url, "--state-namespace", "workers", "--no-fixtures") as mock:
        httpx.post(f"{mock.url}/_mock/scripts", json={"model": MODEL, "times": 3, "text": "three"})
        texts = []
        for _ in range(6):
            with httpx.Client(base_url=mock.url) as fresh:  # a new connection: any worker
                texts.append(fresh.post("/v1/ocr", json={"model": MODEL, "image": "https://e.com/a.png"},
                                        headers={"Authorization": "Bearer aistats_v1_sk_test01_s3cret"}).json()["text"])
        assert texts.count("three") == 3
        mock.stop()
