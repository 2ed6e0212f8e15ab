"""VCR-style cassettes: ``pytest --ocr-gateway-record=URL`` records a marked test's answers through the proxy;
a later plain ``pytest`` replays them with no network and no key, and fails on a request nothing recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mockserver.web.app import Settings, create_app
from tests.contract.contract_helpers import serving

REAL_KEY = "aistats_v1_sk_cassette1_RealGatewayS3cret"
INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
APP_TEST = '''
import pytest

IMAGE = "{image}"


@pytest.mark.ocr_cassette
def test_reads_the_invoice(ocr_gateway):
    with ocr_gateway.httpx_client() as client:
        answer = client.post("/ocr", json={{"model": "mistral/ocr-3", "image": IMAGE}})
        refused = client.post("/ocr", json={{"model": "mistral/ocr-3"}})
    assert answer.status_code == 200, answer.text
    assert {text_check}
    assert refused.status_code == 400
'''
RECORDED_IMAGE = "https://example.com/invoice.png"


def production() -> object:
    app = create_app(Settings(keys=(REAL_KEY,)))
    app.state.mock.engine.add({"model": "mistral/ocr-3", "match": {"image": {"url": RECORDED_IMAGE}},
                               "pages": ["# Invoice 123", "Total: $42.00"]})
    return app


def _suite(pytester: pytest.Pytester, image: str = RECORDED_IMAGE) -> None:
    text_check = 'answer.json()["text"] == "# Invoice 123\\n\\nTotal: $42.00"' if image == RECORDED_IMAGE else "True"
    pytester.makeini(INI)
    pytester.makepyfile(test_app=APP_TEST.format(image=image, text_check=text_check))


def test_record_then_replay_without_network_or_key(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _suite(pytester)
    monkeypatch.setenv("PHASEO_API_KEY", REAL_KEY)
    with serving(production()) as target:
        pytester.runpytest(f"--ocr-gateway-record={target}").assert_outcomes(passed=1)
    cassette = pytester.path / "ocr_cassettes" / "test_app" / "test_reads_the_invoice.yaml"
    scripts = yaml.safe_load(cassette.read_text())["scripts"]
    assert [(s["model"], s["match"], s["pages"]) for s in scripts] == [
        ("mistral/ocr-3", {"image": {"url": RECORDED_IMAGE}}, ["# Invoice 123", "Total: $42.00"])]
    assert REAL_KEY not in cassette.read_text()

    monkeypatch.delenv("PHASEO_API_KEY")  # the target is gone too
    pytester.runpytest().assert_outcomes(passed=1)

    _suite(pytester, image="https://example.com/other.png")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*POST /v1/ocr (model 'mistral/ocr-3', image https://example.com/other.png) matched no script*",
        f"      {scripts[0]['id']}: image.url: expected '{RECORDED_IMAGE}', got 'https://example.com/other.png'",
    ])


def test_replay_without_a_cassette_says_how_to_record_it(pytester: pytest.Pytester) -> None:
    _suite(pytester)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ocr_gateway: no cassette for this test at *test_reads_the_invoice.yaml: record it "
                                 "once with pytest --ocr-gateway-record=URL*"])


def test_recording_without_the_key_fails_clearly(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    _suite(pytester)
    monkeypatch.delenv("PHASEO_API_KEY", raising=False)
    result = pytester.runpytest("--ocr-gateway-record=http://127.0.0.1:9/v1")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--ocr-gateway-record: --api-key-env PHASEO_API_KEY: that environment variable is "
                                 "empty or not set*"])
    assert not Path(pytester.path / "ocr_cassettes").exists()
