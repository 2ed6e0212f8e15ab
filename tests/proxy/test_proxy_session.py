"""The nightly session of examples/ci/ on the loopback: the conformance suite's examples sent through the proxy.
Against a conforming target the proxy sees no deviation; against a broken one, the proxy and the suite name
the same check."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from proxy_helpers import deviations, proxying

from contract_tests.config import RunConfig
from contract_tests.runner import run_suite
from mockserver.proxy.recording import Recorder
from mockserver.scripting.loader import read_directory
from mockserver.web.app import Settings, create_app
from tests.contract.broken_mocks import wrong_pricing
from tests.contract.contract_helpers import SEED, serving

SESSION = RunConfig(phases=("examples",), max_examples=10, seed=SEED, budget_usd=Decimal("0.02"))


@pytest.mark.parametrize(("build", "check"), [(lambda: create_app(Settings()), None),
                                              (wrong_pricing, "pricing_arithmetic")], ids=["conforming", "broken"])
def test_a_short_session_through_the_proxy(tmp_path: Path, build: object, check: str | None) -> None:
    assert callable(build)
    with serving(build()) as target, proxying(target, recorder=Recorder.directory(tmp_path)) as (client, _):
        result = run_suite(RunConfig(**{**SESSION.__dict__, "target": str(client.base_url).rstrip("/") + "/v1"}))
        found = {item["check"] for item in deviations(client)}
    assert result.errors == []
    assert found == ({check} if check else set())
    assert result.failed_checks == found
    assert read_directory(tmp_path)[1] == [] and list(tmp_path.glob("*.yaml"))
