"""Fixtures: a mock gateway in-process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.web.app import Settings, create_app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as test_client:
        yield test_client


from tests.targets import redis_server, socket_server, target  # noqa: E402,F401  (shared fixtures)
