"""The mock passes its own conformance suite: zero findings at 200 examples per mode, positive and negative."""

from __future__ import annotations

from contract_helpers import SEED

from contract_tests.config import PHASES, RunConfig
from contract_tests.runner import run_suite


def test_the_mock_has_no_findings_at_200_examples_per_mode() -> None:
    result = run_suite(RunConfig(max_examples=200, seed=SEED))

    findings = "\n".join(f"[{f.check}] {f.title}: {f.message}\n  {f.request}" for f in result.findings)
    assert result.passed, findings or result.errors
    assert list(result.phases) == list(PHASES)
    assert result.phases["positive"] == 200
    assert result.phases["negative"] == 200
    # Steering works: a good share of positive cases get past every rule, negative ones hit each kind of refusal
    assert result.statuses["positive"][200] >= 30
    assert {200, 400, 401} <= set(result.statuses["examples"])
    assert {400, 401} <= set(result.statuses["negative"])
    # Every check examined answers; the success checks saw successes
    assert all(tally.checked for tally in result.checks.values()), result.checks
    print(f"{result.cases} cases in {result.elapsed:.1f} s ({result.cases / result.elapsed:.0f} cases/s)")
