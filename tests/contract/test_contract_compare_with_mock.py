"""``--compare-with-mock``: a target that has drifted from the mock is reported, one that has not is not."""

from __future__ import annotations

from pathlib import Path

from broken_mocks import stale_catalog
from contract_helpers import SEED

from contract_tests.checks.divergence import shape, shape_differences
from contract_tests.config import RunConfig
from contract_tests.runner import run_suite

COMPARE = RunConfig(max_examples=20, seed=SEED, phases=("examples", "positive"), compare_with_mock=True)


def test_a_stale_target_diverges_from_the_mock(tmp_path: Path) -> None:
    result = run_suite(COMPARE, app=stale_catalog(tmp_path))

    divergences = result.findings_for("mock_divergence")
    assert {finding.title for finding in divergences} >= {"status differs from the mock's"}
    assert any("target 400, mock 200" in finding.message for finding in divergences)


def test_the_mock_does_not_diverge_from_itself() -> None:
    result = run_suite(COMPARE)

    assert result.passed, result.summary()
    assert result.checks["mock_divergence"].checked > 0


def test_body_shapes_compare_keys_and_types_not_values() -> None:
    target = {"id": "G-1", "usage": {"pages": 1}, "lines": [{"a": 1}]}
    mock = {"id": "G-2", "usage": {"pages": "1"}, "lines": [{"a": 2, "b": None}], "meta": {}}

    assert shape_differences(shape(target), shape(mock)) == [
        "lines[].b: only the mock has it",
        "meta: only the mock has it",
        "usage.pages: number on the target, string on the mock",
    ]


def test_a_meta_timing_may_be_null_on_one_answer_and_a_number_on_the_other() -> None:
    """The same request can give ``throughput_tps: null`` (provider time rounded to 0 ms) or a number:
    timing, not a divergence. Any other null-versus-number difference still is one."""
    assert shape_differences(shape({"meta": {"throughput_tps": None}}), shape({"meta": {"throughput_tps": 0}})) == []
    assert shape_differences(shape({"cost_nanos": None}), shape({"cost_nanos": 0})) == [
        "cost_nanos: null on the target, number on the mock"
    ]
