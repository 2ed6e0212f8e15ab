"""The suite can fail: each deliberately broken mock is reported, by the check that owns the broken rule.

Each variant is caught twice over: by the contract's examples alone, and by generated data alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from broken_mocks import VARIANTS, Variant
from contract_helpers import SEED

from contract_tests.config import RunConfig
from contract_tests.runner import run_suite

PHASE_SETS = {"examples": ("examples",), "generated": ("positive", "negative")}


@pytest.mark.parametrize("phases", sorted(PHASE_SETS))
@pytest.mark.parametrize("variant", VARIANTS, ids=[variant.name for variant in VARIANTS])
def test_a_broken_mock_is_reported_by_the_right_check(variant: Variant, phases: str, tmp_path: Path) -> None:
    config = RunConfig(max_examples=variant.generated_examples, seed=SEED, phases=PHASE_SETS[phases])

    result = run_suite(config, app=variant.build(tmp_path))

    assert not result.passed
    reported = [f"{finding.title}: {finding.message}" for finding in result.findings_for(variant.check)]
    assert any(variant.evidence in text for text in reported), (variant.check, result.summary(), reported)
