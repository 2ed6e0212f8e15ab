"""Outcome coverage as a plugin user meets it: a real suite run by pytest (``pytester``), then the "OCR gateway
outcomes" summary, the json and html reports, ``--ocr-gateway-coverage-fail-under`` and xdist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mockserver.mock import Mock

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
"""

# Six tests: five meet outcomes (one of them from a fixture file chosen by the marker, one through a factory
# mock over the socket), one never asks for the gateway.
SUITE = '''
import httpx
import pytest

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/invoice.png"}


def test_reads_an_invoice(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="INVOICE 1")
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert client.post("/ocr", json=BODY).status_code == 200


def test_reads_an_invoice_with_routing_debug(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="INVOICE 1")
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert client.post("/ocr", json={**BODY, "debug": {"enabled": True}}).status_code == 200


def test_a_malformed_key(ocr_gateway):
    with ocr_gateway.httpx_client(in_process=True, headers={"Authorization": "Bearer nope"}) as client:
        assert client.post("/ocr", json=BODY).status_code == 401


def test_the_provider_is_down_twice(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", upstream=503, times=2)
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert [client.post("/ocr", json=BODY).status_code for _ in range(2)] == [502, 502]


@pytest.mark.ocr_gateway(fixtures="scenarios")
def test_out_of_credit_from_a_fixture_file(ocr_gateway_factory, ocr_gateway):
    assert httpx.post(f"{ocr_gateway.base_url}/ocr", json=BODY,
                      headers={"Authorization": f"Bearer {ocr_gateway.api_key}"}).status_code == 402
    other = ocr_gateway_factory()
    answer = httpx.post(f"{other.base_url}/ocr", json={**BODY, "model": "openai/gpt-5"},
                        headers={"Authorization": f"Bearer {other.api_key}"})
    assert answer.json()["reason"] == "unsupported_endpoint_for_model"


def test_does_not_use_the_gateway():
    assert True
'''

SCENARIO = """
scripts:
  - id: broke
    model: mistral/ocr-3
    error: {code: insufficient_funds}
"""

MET = [  # label, tests, requests
    ("200 success mistral/ocr-3", 2, 2),
    ("200 success + debug meta_routing", 1, 1),
    ("200 success + debug routing_diagnostics", 1, 1),
    ("401 unauthorised: invalid_key_format", 1, 1),
    ("400 unsupported_model_or_endpoint: unsupported_endpoint_for_model", 1, 1),
    ("402 insufficient_funds", 1, 1),
    ("502 upstream_error", 1, 2),
]


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makeini(INI)
    pytester.makepyfile(test_app=SUITE)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "broke.yaml").write_text(SCENARIO)
    return pytester.runpytest(*args)


def section(result: pytest.RunResult) -> list[str]:
    """The lines of the "OCR gateway outcomes" section of the terminal summary."""
    lines = result.outlines
    start = next(i for i, line in enumerate(lines) if re.fullmatch(r"=+ OCR gateway outcomes =+", line))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith(("=", "FAIL"))), len(lines))
    return lines[start + 1 : end]


def expected_section() -> list[str]:
    catalogue = [entry.label for entry in Mock().outcomes]
    met_labels = [label for label, _, _ in MET]
    width = max(len(label) for label in ["outcome", *met_labels])
    table = [f"{'outcome':<{width}}  tests  requests"]
    # the table follows the catalogue's order
    for label in catalogue:
        for met_label, tests, requests in MET:
            if met_label == label:
                table.append(f"{label:<{width}}  {tests:>5}  {requests:>8}")
    unmet = [label for label in catalogue if label not in met_labels]
    percent = 100 * len(MET) / len(catalogue)
    return [*table, f"outcomes met: {len(MET)} of {len(catalogue)} ({percent:.1f}%)",
            f"outcomes no test met ({len(unmet)}):", *(f"  {label}" for label in unmet)]


def test_the_summary_counts_the_tests_that_met_each_outcome_then_lists_the_rest(pytester: pytest.Pytester) -> None:
    result = run(pytester)
    result.assert_outcomes(passed=6)
    assert section(result) == expected_section()


def test_the_untested_list_is_the_catalogue_less_what_the_suite_met(pytester: pytest.Pytester) -> None:
    lines = section(run(pytester))
    heading = next(i for i, line in enumerate(lines) if line.startswith("outcomes no test met"))
    unmet = [line.strip() for line in lines[heading + 1 :]]
    assert "200 success mistral/ocr-4" in unmet
    assert "401 unauthorised: key_expired" in unmet
    assert "connection fault: drop" in unmet
    assert not set(unmet) & {label for label, _, _ in MET}
    assert len(unmet) + len(MET) == len(Mock().outcomes)


def test_xdist_workers_counts_are_merged_and_fail_under_still_fails(pytester: pytest.Pytester) -> None:
    result = run(pytester, "-n", "2", "--ocr-gateway-coverage-fail-under=90")
    result.assert_outcomes(passed=6)
    assert section(result) == expected_section()  # every worker's tests, counted once
    assert result.ret == 1


@pytest.mark.parametrize(("threshold", "code"), [(50, 1), (20, 0)])
def test_fail_under_fails_the_session_like_pytest_cov(pytester: pytest.Pytester, threshold: int, code: int) -> None:
    result = run(pytester, f"--ocr-gateway-coverage-fail-under={threshold}")
    result.assert_outcomes(passed=6)
    assert result.ret == code
    failed = [line for line in result.outlines if line.startswith("FAIL Required OCR gateway outcome coverage")]
    assert failed == ([f"FAIL Required OCR gateway outcome coverage of {threshold}% not reached: "
                       f"{100 * len(MET) / len(Mock().outcomes):.1f}% ({len(MET)} of {len(Mock().outcomes)} outcomes)"]
                      if code else [])


def test_json_and_html_reports(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--ocr-gateway-coverage=json:out/outcomes.json", "--ocr-gateway-coverage=html:out/o.html")
    result.assert_outcomes(passed=6)
    assert not any("OCR gateway outcomes =" in line for line in result.outlines)  # term only when asked for
    report = json.loads((pytester.path / "out" / "outcomes.json").read_text())
    met = {row["label"]: (row["tests"], row["requests"]) for row in report["outcomes"] if row["tests"]}
    assert met == {label: (tests, requests) for label, tests, requests in MET}
    funds = next(row for row in report["outcomes"] if row["outcome"] == "error.insufficient_funds")
    assert funds["met_by"] == ["test_app.py::test_out_of_credit_from_a_fixture_file"]
    page = (pytester.path / "out" / "o.html").read_text()
    assert "test_app.py::test_the_provider_is_down_twice" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing to fetch: it opens offline


def test_off_reports_nothing(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--ocr-gateway-coverage=off")
    result.assert_outcomes(passed=6)
    assert not any("OCR gateway outcomes" in line for line in result.outlines)


def test_a_bad_report_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--ocr-gateway-coverage=xml:out.xml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*expected term, json:PATH, html:PATH or off, got 'xml:out.xml'*"])


def test_a_session_without_the_gateway_prints_no_section(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_plain="def test_nothing():\n    pass\n")
    result = pytester.runpytest()
    assert not any("OCR gateway outcomes" in line for line in result.outlines)


def test_the_html_report_links_each_cell_to_its_tests(tmp_path: Path) -> None:
    from mockserver.coverage.html import render_html
    from mockserver.coverage.tally import Tally

    mock = Mock()
    document = mock.coverage.document()
    tally = Tally()
    tally.add_document({**document, "outcomes": [
        {**row, "models": {"mistral/ocr-4": 3}} if row["outcome"] == "success" and row["model"] == "mistral/ocr-4"
        else row for row in document["outcomes"]]}, "tests/test_x.py::test_four")
    page = render_html(tally)
    anchor = re.search(r'<a href="#(cell-\d+-\d+)">1</a>', page)
    assert anchor is not None
    linked = re.search(rf'<section id="{anchor.group(1)}">(.*?)</section>', page)
    assert linked is not None and "tests/test_x.py::test_four" in linked.group(1) and "3 requests" in linked.group(1)


def test_a_mock_that_runs_elsewhere_counts_the_same(pytester: pytest.Pytester) -> None:
    from tests.server import serve

    with serve("--no-fixtures") as server:
        result = run(pytester, "--ocr-gateway-url", server.url)
    result.assert_outcomes(passed=6)
    assert section(result) == expected_section()


def test_collecting_only_does_not_fail_under(pytester: pytest.Pytester) -> None:
    assert run(pytester, "--collect-only", "--ocr-gateway-coverage-fail-under=90").ret == 0
