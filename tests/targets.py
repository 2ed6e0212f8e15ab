"""The same HTTP-level test against the mock in-process and over a real socket."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.helpers import AUTH
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


@pytest.fixture(params=["in-process", "socket"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "in-process":
        with TestClient(create_app(mock=Mock(Settings()))) as client:
            yield Target("in-process", client, "http://testserver")
        return
    server: RunningServer = request.getfixturevalue("socket_server")
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.post("/_mock/reset").status_code == 200
        yield Target("socket", client, server.url)
