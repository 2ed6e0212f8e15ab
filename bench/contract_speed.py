"""How fast the conformance suite runs on the in-process mock: a default run of at least 1,000 cases."""

from __future__ import annotations

import time
from dataclasses import dataclass

from contract_tests.config import RunConfig
from contract_tests.runner import run_suite


@dataclass(frozen=True)
class ContractSpeed:
    cases: int
    seconds: float
    findings: int

    @property
    def per_second(self) -> float:
        return self.cases / self.seconds


def contract_speed(max_examples: int = 400, seed: int = 1) -> ContractSpeed:
    """All four phases (examples, coverage, positive, negative) against the in-process mock."""
    started = time.perf_counter()
    result = run_suite(RunConfig(max_examples=max_examples, seed=seed))
    return ContractSpeed(result.cases, time.perf_counter() - started, len(result.findings))
