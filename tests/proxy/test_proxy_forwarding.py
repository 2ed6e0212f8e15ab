"""``ocr-mock proxy`` in front of a target: answers come back unchanged, and only departures are reported."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from proxy_helpers import INVOICE, comparable, deviations, ocr, proxying

from mockserver.web.app import Settings, create_app
from tests.contract.broken_mocks import missing_cors_header, wrong_envelope_key, wrong_pricing
from tests.contract.contract_helpers import serving
from tests.helpers import KEY

CLIENT_HEADERS = ("content-type", "access-control-allow-origin", "access-control-allow-methods",
                  "access-control-allow-headers", "access-control-max-age", "cache-control", "timing-allow-origin",
                  "x-gateway-error-attribution", "x-gateway-error-origin")


@pytest.fixture(scope="module")
def target_url() -> object:
    with serving(create_app(Settings())) as url:
        yield url


def _same_answer(direct: httpx.Response, proxied: httpx.Response) -> None:
    assert proxied.status_code == direct.status_code
    for name in CLIENT_HEADERS:
        assert proxied.headers.get(name) == direct.headers.get(name), name
    assert comparable(proxied.json()) == comparable(direct.json())


@pytest.mark.parametrize("body", [
    {"model": "mistral/ocr-3", "image": INVOICE, "debug": {"return_upstream_response": True}},
    {"model": "mistral/ocr-3"},  # schema: 400 validation_error
    {"model": "nope/nothing", "image": INVOICE},  # unknown model
    {"model": "  ", "image": INVOICE},  # model_required
], ids=["success", "validation", "unknown model", "blank model"])
def test_the_answer_comes_back_as_the_target_gave_it(target_url: str, body: dict[str, object]) -> None:
    direct = httpx.post(f"{target_url}/ocr", json=body, headers={"Authorization": f"Bearer {KEY}"})
    with proxying(target_url) as (client, _):
        proxied = client.post("/v1/ocr", json=body)
        assert deviations(client) == []
        (entry,) = client.get("/_mock/requests").json()["requests"]
    _same_answer(direct, proxied)
    assert entry["expected"].startswith(f"{proxied.status_code} ")  # the request's verdict, kept with it
    assert entry["answered_by"] == "target" and entry["response"] == proxied.json()


def test_other_routes_are_forwarded_too(target_url: str) -> None:
    with proxying(target_url) as (client, _):
        assert client.get("/").json()["message"].startswith("Welcome to the AI Stats Gateway API")
        preflight = client.options("/v1/ocr")
        unknown = client.get("/v1/models")
        missing_key = client.post("/v1/ocr", json={"model": "mistral/ocr-3"}, headers={"Authorization": ""})
        admin_of_the_target = client.get("/_mock/scripts")  # the admin namespace is the proxy's: never forwarded
        assert deviations(client) == []
    assert preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "*"
    assert (unknown.status_code, unknown.text) == (404, "404 Not Found")
    assert (missing_key.status_code, missing_key.json()["description"]) == (
        401, "missing_or_invalid_authorization_header")
    assert (admin_of_the_target.status_code, admin_of_the_target.json()["error"]) == (404, "not_found")


@pytest.mark.parametrize(("shim", "check", "evidence"), [
    (wrong_envelope_key, "error_envelope", "envelope keys missing"),
    (missing_cors_header, "gateway_headers", "Access-Control-Allow-Origin is not the gateway's"),
    (wrong_pricing, "pricing_arithmetic", "total_cents is not floored nanos"),
], ids=["envelope", "CORS", "pricing"])
def test_a_planted_departure_is_logged_listed_and_journaled(
    shim: object, check: str, evidence: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert callable(shim)
    with serving(shim()) as broken, proxying(broken) as (client, _), caplog.at_level(logging.WARNING):
        answer = ocr(client, model="mistral/ocr-3") if check != "error_envelope" else ocr(client, model="nope/x")
        found = deviations(client)
        journal = client.get("/_mock/requests").json()["requests"]

    assert answer.status_code in (200, 400)
    assert [(d["check"], d["title"]) for d in found if d["check"] == check] == [(check, evidence)]
    assert found[0]["request_id"] == journal[-1]["id"]
    assert {d["check"] for d in journal[-1]["deviations"]} == {d["check"] for d in found}
    lines = [record.getMessage() for record in caplog.records if record.getMessage().startswith("deviation #")]
    assert any(f"check={check}: {evidence}" in line for line in lines)
    assert all("\n" not in line for line in lines)


def test_an_answer_the_contract_does_not_predict_is_a_deviation(target_url: str) -> None:
    """A target that accepts a request the gateway refuses: the oracle's expectation is in the report."""
    with serving(_accepting_everything()) as broken, proxying(broken) as (client, _):
        request = client.build_request("POST", "/v1/ocr", json={"model": "mistral/ocr-3", "image": INVOICE})
        del request.headers["authorization"]
        assert client.send(request).status_code == 200
        found = deviations(client)
    assert any(d["check"] == "check_order" and d["expected"].startswith("401 unauthorised") for d in found)


def _accepting_everything() -> object:
    from tests.contract.broken_mocks import accepts_missing_key

    return accepts_missing_key()


def test_the_admin_routes_and_deviations_are_documented(target_url: str) -> None:
    import yaml

    from contract_tests.safety import Target
    from mockserver.proxy.app import create_proxy_app
    from mockserver.proxy.config import ProxyConfig

    app = create_proxy_app(ProxyConfig(target=Target.from_option(target_url)))
    with serving(wrong_envelope_key()) as broken, proxying(broken) as (client, _):
        document = yaml.safe_load(client.get("/_mock/openapi.yaml").text)
        ocr(client, model="nope/x")
        item = deviations(client)[0]
    routes = {(route.path, method) for route in app.routes for method in getattr(route, "methods", None) or ()
              if route.path.startswith("/_mock/") and "{rest" not in route.path and method != "HEAD"}
    documented = {(path, method.upper()) for path, operations in document["paths"].items() for method in operations}
    assert routes <= documented
    schema = document["components"]["schemas"]["Deviation"]
    assert set(schema["required"]) <= set(item) == set(schema["properties"])


def test_the_deviations_command_fails_on_a_deviation_and_writes_the_reports(tmp_path: Path) -> None:
    import subprocess
    import xml.etree.ElementTree as ET

    from tests.server import OCR_MOCK

    with serving(missing_cors_header()) as broken, proxying(broken) as (client, _):
        ocr(client)
        root = str(client.base_url).rstrip("/")
        result = subprocess.run([str(OCR_MOCK), "deviations", "--url", root, "--junit-xml", str(tmp_path / "j.xml"),
                                 "--report", str(tmp_path / "r.html")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[gateway_headers] Access-Control-Allow-Origin is not the gateway's" in result.stdout
    failures = [case.get("name") for case in ET.parse(tmp_path / "j.xml").iter("testcase")
                if case.find("failure") is not None]
    assert failures == ["gateway_headers"]
    assert "Access-Control-Allow-Origin is not the gateway&#x27;s" in (tmp_path / "r.html").read_text()


def test_a_callers_line_feed_cannot_forge_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with serving(wrong_envelope_key()) as broken, proxying(broken) as (client, _), caplog.at_level(logging.INFO):
        ocr(client, model="nope/x\ndeviation #999 forged")
    lines = [record.getMessage() for record in caplog.records if record.name == "ocr_mock.proxy"]
    assert lines and all("\n" not in line for line in lines)
    assert any("model=nope/x\\ndeviation #999 forged" in line for line in lines)
