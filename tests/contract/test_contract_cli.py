"""``ocr-mock contract`` and ``pytest --pyargs contract_tests``: the two front ends of one run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from contract_helpers import SEED

from mockserver.cli import main


def test_contract_passes_on_the_mock_and_exits_0(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    result = CliRunner().invoke(
        main,
        [
            "contract",
            "--max-examples",
            "10",
            "--seed",
            str(SEED),
            "--phases",
            "examples,positive",
            "--junit-xml",
            str(junit),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"(seed {SEED})" in result.output
    assert "PASS: 0 findings, 0 requests without an answer" in result.output
    assert junit.exists()


def test_a_live_target_without_live_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["contract", "--target", "https://api.phaseo.app/v1", "--quiet"])
    assert result.exit_code == 2
    assert "pass --live" in result.output


@pytest.mark.parametrize("amount", ["lots", "-1", "NaN"])
def test_a_budget_that_is_not_an_amount_is_a_usage_error(amount: str) -> None:
    result = CliRunner().invoke(main, ["contract", "--budget-usd", amount, "--quiet"])
    assert result.exit_code == 2
    assert "--budget-usd must be" in result.output


def test_a_budget_for_a_local_target_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["contract", "--budget-usd", "0.01", "--quiet"])
    assert result.exit_code == 2
    assert "--budget-usd caps --live runs only" in result.output


def test_unknown_checks_are_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["contract", "--checks", "no_such_check", "--quiet"])
    assert result.exit_code == 2
    assert "unknown checks: no_such_check" in result.output


def test_pytest_pyargs_runs_one_test_per_check() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "contract_tests",
            "-p",
            "no:cacheprovider",
            "-q",
            "--max-examples",
            "5",
            "--seed",
            str(SEED),
            "--phases",
            "examples",
            "--checks",
            "error_envelope,check_order",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "3 passed" in run.stdout  # two checks and "every request answered"
