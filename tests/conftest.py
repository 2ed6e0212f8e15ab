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
from tests.zod_oracle import ZodOracle, unavailable_reason

os.environ[RELEASE_ENV] = "2026-07"


@pytest.fixture(scope="session")
def oracle() -> Iterator[ZodOracle]:
    """zod 4.4.3 itself (tests/zod_oracle), one node process for the session. Without node or its
    node_modules the tests that ask for it fail, never skip: validation would go unchecked."""
    reason = unavailable_reason()
    if reason is not None:
        pytest.fail(f"the zod oracle cannot run, so validation cannot be checked against zod: {reason}",
                    pytrace=False)
    with ZodOracle() as running:
        yield running


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as test_client:
        yield test_client


from tests.targets import redis_server, socket_server, target  # noqa: E402,F401  (shared fixtures)
