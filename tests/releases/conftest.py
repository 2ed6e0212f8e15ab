"""The 2026-08 suite: a mock serving gateway release 2026-08, named explicitly (tests/conftest.py pins the rest
of tests/ to 2026-07 through the environment)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.web.app import Settings, create_app

AUGUST = "2026-08"


@pytest.fixture
def mock08() -> Mock:
    return Mock(Settings(gateway_release=AUGUST))


@pytest.fixture
def client08(mock08: Mock) -> Iterator[TestClient]:
    with TestClient(create_app(mock=mock08)) as test_client:
        yield test_client
