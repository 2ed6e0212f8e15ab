"""The pytest plugin chooses the gateway release: ini ``ocr_gateway_release``, option ``--ocr-gateway-release``,
marker ``@pytest.mark.ocr_gateway(release=...)`` (closest wins), default 2026-08."""

from __future__ import annotations

import pytest

TESTS = '''
import httpx
import pytest

BODY = {"model": "mistral/ocr-3", "document": {"type": "document_url", "document_url": "https://x.example/a.pdf"}}


def _post(gw):
    return httpx.post(f"{gw.base_url}/ocr", json=BODY, headers={"Authorization": f"Bearer {gw.api_key}"})


def test_session_release(ocr_gateway, request):
    expected = request.config.getoption("ocr_gateway_release") or "2026-08"
    if expected == "2026-08":
        ocr_gateway.add(model="mistral/ocr-3", match={"document_url": "https://x.example/*.pdf"}, text="report")
    answer = _post(ocr_gateway)
    if expected == "2026-08":
        assert answer.json()["text"] == "report" and answer.json()["pages"][0]["markdown"] == "report"
    else:
        assert answer.status_code == 400  # July: image is required; document is dropped


@pytest.mark.ocr_gateway(release="2026-07", strict=False)
def test_marker_pins_july(ocr_gateway):
    assert _post(ocr_gateway).json()["details"][0]["path"] == ["image"]
'''


@pytest.mark.parametrize("args", [[], ["--ocr-gateway-release", "2026-07"]])
def test_release_option_and_marker(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    monkeypatch.delenv("OCR_MOCK_GATEWAY_RELEASE")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(TESTS)
    pytester.runpytest_inprocess(*args, "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_ini_release_and_unknown_release(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCR_MOCK_GATEWAY_RELEASE")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\nocr_gateway_release = 2026-09\n")
    pytester.makepyfile("def test_x(ocr_gateway):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert "unknown gateway release '2026-09'; known releases: 2026-07, 2026-08" in result.stdout.str() + (
        result.stderr.str())


def test_strict_mode_names_the_document_input(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OCR_MOCK_GATEWAY_RELEASE")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(TESTS.split("\n\ndef test_session_release")[0] + """

def test_unscripted(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", match={"document_url": "https://elsewhere.example/*"}, text="no")
    _post(ocr_gateway)
""")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert "(model 'mistral/ocr-3', document document_url https://x.example/a.pdf) matched no script" in output
    assert "document.document_url" in output


def test_a_running_mock_of_another_release_is_named(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--ocr-gateway-url``: the mock there serves one release; a test that asks for another is told so."""
    from tests.server import serve

    monkeypatch.delenv("OCR_MOCK_GATEWAY_RELEASE")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile("""
import pytest

@pytest.mark.ocr_gateway(release="2026-08")
def test_x(ocr_gateway):
    pass
""")
    with serve("--gateway-release", "2026-07", "--no-fixtures") as july:
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--ocr-gateway-url", july.url)
    result.assert_outcomes(errors=1)
    assert "imitates gateway release 2026-07, not 2026-08: start it with --gateway-release 2026-08" in (
        result.stdout.str())
