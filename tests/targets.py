"""The same HTTP-level test against the mock in-process and over a real socket."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.helpers import AUTH
from tests.redis_server import RedisServer, running_redis
from tests.server import RunningServer, serve


@dataclass
class Target:
    """A mock to test: ``http`` speaks to it (in-process or over a socket); ``mode`` says which."""

    mode: str
    http: Any
    url: str

    def ocr(self, body: Any, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.http.post("/v1/ocr", json=body, headers={**AUTH, **(headers or {})}, **kw)

    def script(self, **spec: Any) -> dict[str, Any]:
        response = self.http.post("/_mock/scripts", json=spec)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()["scripts"][0]
        return created

    def keys(self, *records: dict[str, Any]) -> Any:
        response = self.http.put("/_mock/keys", json={"keys": list(records)})
        assert response.status_code == 200, response.text
        return response.json()["keys"]

    def journal(self, **params: Any) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = self.http.get("/_mock/requests", params=params).json()["requests"]
        return entries


@pytest.fixture(scope="session")
def socket_server() -> Iterator[RunningServer]:
    with serve("--no-fixtures") as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the session; each mock on it gets a namespace of its own."""
    with running_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


def store_settings(request: pytest.FixtureRequest, store: str, **settings: Any) -> Settings:
    """Settings of a mock whose state is in ``store`` (memory, sqlite or redis), apart from every other test's."""
    if store == "sqlite":
        path = request.getfixturevalue("tmp_path") / "state.sqlite3"
        return Settings(state=f"sqlite:///{path}", **settings)
    if store == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        return Settings(state=server.url, state_namespace=f"test-{uuid.uuid4().hex}", **settings)
    return Settings(**settings)


@contextmanager
def open_target(request: pytest.FixtureRequest, mode: str) -> Iterator[Target]:
    """``in-process`` and ``socket``: in memory; ``sqlite`` and ``redis``: in-process over that store."""
    if mode == "socket":
        server: RunningServer = request.getfixturevalue("socket_server")
        with httpx.Client(base_url=server.url, timeout=30) as client:
            assert client.post("/_mock/reset").status_code == 200
            yield Target("socket", client, server.url)
        return
    mock = Mock(store_settings(request, "memory" if mode == "in-process" else mode))
    try:
        with TestClient(create_app(mock=mock)) as client:
            yield Target(mode, client, "http://testserver")
    finally:
        mock.state.connection.close()


@pytest.fixture(params=["in-process", "socket"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    with open_target(request, request.param) as opened:
        yield opened


STORES = ["memory", "sqlite", "redis"]
EVERY_STORE = ["in-process", "socket", "sqlite", "redis"]
"""For the state-sensitive suites: a module overrides ``target`` with these params (memory in-process and
over a socket, then SQLite and Redis in-process)."""
