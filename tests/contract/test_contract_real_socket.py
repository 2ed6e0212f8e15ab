"""Over a real socket the suite gives the same verdict as in-process: the same cases, answers and findings."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from broken_mocks import missing_cors_header
from contract_helpers import SEED, free_port, serving, wait_until_up

from contract_tests.config import RunConfig
from contract_tests.runner import run_suite
from mockserver.web.app import Settings, create_app

QUICK = RunConfig(max_examples=40, seed=SEED, phases=("examples", "positive", "negative"), budget_usd=Decimal(1))


@pytest.mark.parametrize("build", [lambda: create_app(Settings()), missing_cors_header], ids=["mock", "broken mock"])
def test_uvicorn_on_loopback_gets_the_in_process_verdict(build: object) -> None:
    assert callable(build)
    in_process = run_suite(QUICK, app=build())
    with serving(build()) as base_url:
        over_http = run_suite(RunConfig(**{**QUICK.__dict__, "target": base_url}))

    assert over_http.errors == []
    assert over_http.passed == in_process.passed
    assert over_http.failed_checks == in_process.failed_checks
    assert over_http.statuses == in_process.statuses
    assert over_http.billable > 0 and over_http.not_sent_budget == 0


def test_ocr_mock_contract_against_ocr_mock_serve(tmp_path: Path) -> None:
    port = free_port()
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen([bin_dir / "ocr-mock", "serve", "--port", str(port), "--log-level", "warning"])
    try:
        wait_until_up(f"http://127.0.0.1:{port}/v1")
        report = tmp_path / "report.md"
        run = subprocess.run(
            [
                bin_dir / "ocr-mock",
                "contract",
                "--target",
                f"http://127.0.0.1:{port}",
                "--max-examples",
                "20",
                "--seed",
                str(SEED),
                "--report",
                str(report),
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NO_COLOR": "1"},
        )
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert run.returncode == 0, run.stdout + run.stderr
    assert f"Conformance of http://127.0.0.1:{port}/v1" in run.stdout
    assert "PASS: 0 findings" in run.stdout
    assert "**PASS: no findings**" in report.read_text()
