"""Fixtures: a mock gateway in-process.

The suite under tests/ (outside tests/releases/) specifies gateway release 2026-07: it runs as
``--gateway-release 2026-07`` does, through the environment every in-process mock and every spawned
``ocr-mock`` reads. tests/releases/ names its release explicitly (``Settings(gateway_release=...)``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.gateway.release import RELEASE_ENV
from mockserver.web.app import Settings, create_app

os.environ[RELEASE_ENV] = "2026-07"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as test_client:
        yield test_client


from tests.targets import socket_server, target  # noqa: E402,F401  (shared fixtures)
