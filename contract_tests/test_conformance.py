"""The conformance suite as pytest tests: one run per session, one test per check, failing with its findings."""

from __future__ import annotations

import pytest

from .conftest import contract_config
from .reporting import write_reports
from .reporting.console import summary
from .results import RunResult
from .runner import run_suite


@pytest.fixture(scope="session")
def contract_result(pytestconfig: pytest.Config) -> RunResult:
    config = contract_config(pytestconfig)
    result = run_suite(config)
    write_reports(result, har=config.har, report=config.report)
    print(summary(result, details=0))
    return result


def test_check(contract_result: RunResult, check_name: str) -> None:
    findings = contract_result.findings_for(check_name)
    assert not findings, "\n\n".join(
        f"{f.title} (x{f.count}; {f.phase}: {f.sample})\n{f.message}\nrequest: {f.request}\nanswer: {f.answer}"
        for f in findings
    )


def test_every_request_answered(contract_result: RunResult) -> None:
    assert not contract_result.errors, "\n".join(contract_result.errors)
