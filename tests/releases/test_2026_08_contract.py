"""``ocr-mock contract --gateway-release 2026-08``: the oracle knows each release. The 2026-08 mock has no
findings under the 2026-08 oracle; a mock still serving 2026-07 is caught by it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from contract_tests.config import RunConfig
from contract_tests.reference import use_release
from contract_tests.runner import run_suite
from mockserver.cli import main
from mockserver.web.app import Settings, create_app

SEED = 20260822


@pytest.fixture(autouse=True)
def back_to_the_environments_release() -> Iterator[None]:
    yield
    use_release(None)


def test_the_2026_08_mock_conforms_to_the_2026_08_contract() -> None:
    result = run_suite(RunConfig(max_examples=60, seed=SEED, gateway_release="2026-08"))
    findings = "\n".join(f"[{f.check}] {f.title}: {f.message}\n  {f.request}" for f in result.findings)
    assert result.passed, findings or result.errors
    assert {200, 400, 401} <= set(result.statuses["examples"])


def test_a_july_mock_fails_the_2026_08_contract() -> None:
    july = create_app(Settings(gateway_release="2026-07"))
    result = run_suite(RunConfig(max_examples=30, seed=SEED, gateway_release="2026-08"), app=july)
    assert not result.passed
    assert "gateway_headers" in {finding.check for finding in result.findings}  # the CORS list changed


def test_the_command_line_takes_the_release() -> None:
    result = CliRunner().invoke(main, ["contract", "--help"])
    assert "--gateway-release" in result.output
