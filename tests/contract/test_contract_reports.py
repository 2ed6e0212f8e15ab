"""The reports say the same thing as the run: JUnit (a test per check), HAR, the one-page report, the console."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from broken_mocks import missing_cors_header
from contract_helpers import SEED

from contract_tests.config import RunConfig
from contract_tests.reporting import write_reports
from contract_tests.reporting.console import summary
from contract_tests.results import RunResult
from contract_tests.runner import run_suite


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    directory = tmp_path_factory.mktemp("reports")
    config = RunConfig(max_examples=5, seed=SEED, phases=("examples", "positive"), har=directory / "run.har")
    result = run_suite(config, app=missing_cors_header())
    write_reports(result, junit_xml=directory / "junit.xml", har=directory / "run.har", report=directory / "page.md")
    write_reports(result, report=directory / "page.html")
    return result, directory


def test_junit_has_a_test_per_check_and_fails_the_broken_one(broken: tuple[RunResult, Path]) -> None:
    result, directory = broken
    suite = ET.parse(directory / "junit.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {*result.checks, "run"}
    failed = {name for name, case in cases.items() if case.find("failure") is not None}
    assert failed == {"gateway_headers"}
    assert suite.get("failures") == "1"


def test_the_har_holds_every_exchange(broken: tuple[RunResult, Path]) -> None:
    result, directory = broken
    entries = json.loads((directory / "run.har").read_text())["log"]["entries"]
    assert len(entries) == result.cases
    assert {entry["request"]["url"] for entry in entries} >= {"http://testserver/v1/ocr"}
    assert all(entry["response"]["status"] for entry in entries)


@pytest.mark.parametrize("name", ["page.md", "page.html"])
def test_the_page_has_a_table_per_check_with_findings(broken: tuple[RunResult, Path], name: str) -> None:
    text = (Path(broken[1]) / name).read_text()
    assert "FAIL: 1 findings" in text
    assert text.count("gateway_headers") >= 2  # in the table of checks, and its own section
    assert "Access-Control-Allow-Origin is not the gateway" in text
    assert ("<table>" in text) == name.endswith(".html")


def test_the_console_summary_ends_with_the_verdict(broken: tuple[RunResult, Path]) -> None:
    text = summary(broken[0])
    assert "[gateway_headers] Access-Control-Allow-Origin is not the gateway's" in text
    assert text.splitlines()[-1] == "FAIL: 1 findings, 0 requests without an answer"
