"""The ``ocr_gateway`` fixture as a test uses it: script an answer, call the gateway, read the answer and
the journal. The plugin is installed with the project, so these tests use it directly."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.pytest_plugin import OcrGateway, OcrGatewayFactory, ScriptError

ROOT = Path(__file__).resolve().parent.parent
INVOICE_PNG = ROOT / "fixtures" / "images" / "invoice.png"
URL_IMAGE = "https://example.com/scan.png"


def ocr(gateway: OcrGateway, in_process: bool = True, **body: Any) -> httpx.Response:
    """POST /v1/ocr with the gateway's key; ``mistral/ocr-3`` and a URL image unless told otherwise."""
    with gateway.httpx_client(in_process=in_process) as client:
        return client.post("/ocr", json={"model": "mistral/ocr-3", "image": URL_IMAGE, **body})


# -- answers ------------------------------------------------------------------------------------------


def test_pages_become_the_document_text(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", pages=["# Invoice 123", "Total: $42.00"])
    answer = ocr(ocr_gateway)
    assert answer.status_code == 200
    assert answer.json()["text"] == "# Invoice 123\n\nTotal: $42.00"
    assert answer.json()["usage"]["pricing_breakdown"]["lines"][0]["quantity"] == 2


def test_pages_may_be_any_sequence_of_strings_or_page_dicts(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", pages=("one", {"markdown": "two", "dimensions": {"dpi": 72, "height": 9,
                                                                                           "width": 9}}))
    assert ocr(ocr_gateway, debug={"return_upstream_response": True}).json()["upstream_response"]["rawResponse"][
        "pages"][1]["dimensions"] == {"dpi": 72, "height": 9, "width": 9}


def test_text_is_a_one_page_document(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-4", text="Dear customer,")
    assert ocr(ocr_gateway, model="mistral/ocr-4").json()["text"] == "Dear customer,"


def test_a_gateway_error_by_its_code(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", error="insufficient_funds")
    answer = ocr(ocr_gateway)
    assert (answer.status_code, answer.json()["error"], answer.json()["description"]) == (
        402, "insufficient_funds", "insufficient_funds")


def test_a_gateway_error_with_its_own_description(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", error={"code": "key_limit_exceeded", "description": "slow down"})
    answer = ocr(ocr_gateway)
    assert (answer.status_code, answer.json()["description"]) == (429, "slow down")


def test_an_upstream_failure_by_its_status_is_the_gateways_502(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", upstream=429)
    answer = ocr(ocr_gateway)
    assert (answer.status_code, answer.json()["error"]) == (502, "upstream_error")
    assert answer.json()["failure_sample"][0]["status"] == 429


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "socket"])
def test_a_dropped_connection_is_httpxs_remote_protocol_error(ocr_gateway: OcrGateway, in_process: bool) -> None:
    ocr_gateway.add(model="mistral/ocr-3", fault="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        ocr(ocr_gateway, in_process=in_process)


def test_a_delay_shows_in_the_timings(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="late", delay_ms=40)
    assert ocr(ocr_gateway).json()["meta"]["generation_ms"] >= 40


@pytest.mark.ocr_gateway(seed=7)
def test_the_markers_seed_goes_to_delay_distributions_without_one(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="a", delay={"uniform": {"min_ms": 0, "max_ms": 1}})
    ocr_gateway.add(model="mistral/ocr-4", text="b", delay={"uniform": {"min_ms": 0, "max_ms": 1}, "seed": 3})
    assert [script["delay"]["seed"] for script in ocr_gateway.scripts()] == [7, 3]
    ocr(ocr_gateway)
    ocr(ocr_gateway, model="mistral/ocr-4")


# -- matching -----------------------------------------------------------------------------------------


def test_the_most_specific_script_answers(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="any language")
    ocr_gateway.add(model="mistral/ocr-3", language="fr", text="en français")
    assert ocr(ocr_gateway, language="fr").json()["text"] == "en français"
    assert ocr(ocr_gateway, language="de").json()["text"] == "any language"


def test_an_image_matches_by_content_however_it_is_sent(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", image=INVOICE_PNG, text="the invoice")
    encoded = base64.b64encode(INVOICE_PNG.read_bytes()).decode()
    assert ocr(ocr_gateway, image=f"data:image/png;base64,{encoded}").json()["text"] == "the invoice"
    assert ocr(ocr_gateway, image=encoded).json()["text"] == "the invoice"


def test_url_body_and_header_conditions(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", image_url="https://example.com/*.png", body={"debug.enabled": True},
                    headers={"X-Title": "billing"}, text="all three")
    with ocr_gateway.httpx_client(in_process=True, headers={"X-Title": "billing"}) as client:
        answer = client.post("/ocr", json={"model": "mistral/ocr-3", "image": URL_IMAGE, "debug": {"enabled": True}})
    assert answer.json()["text"] == "all three"


def test_a_condition_given_twice_is_refused(ocr_gateway: OcrGateway) -> None:
    with pytest.raises(TypeError, match="language= repeats"):
        ocr_gateway.add(model="mistral/ocr-3", match={"language": "fr"}, language="de", text="x")


def test_a_script_for_a_model_the_catalog_cannot_route_is_refused(ocr_gateway: OcrGateway) -> None:
    with pytest.raises(ScriptError, match=r"'mistral/ocr-99' is not an OCR model .* mistral/ocr-3"):
        ocr_gateway.add(model="mistral/ocr-99", text="x")


def test_an_invalid_script_names_the_field(ocr_gateway: OcrGateway) -> None:
    with pytest.raises(ScriptError, match=r"pages\[0\]: 1 is not of type 'string'"):
        ocr_gateway.add(model="mistral/ocr-3", pages=[1])  # type: ignore[list-item]
    with pytest.raises(ScriptError, match="give one answer, not pages and text"):
        ocr_gateway.add(model="mistral/ocr-3", pages=["a"], text="b")


# -- counts and sequences -----------------------------------------------------------------------------


def test_times_bounds_a_script_then_the_default_answers(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.allow_defaults = True  # the third call is meant to miss
    script = ocr_gateway.add(model="mistral/ocr-3", text="scripted", times=2)
    texts = [ocr(ocr_gateway).json()["text"] for _ in range(3)]
    assert texts[:2] == ["scripted", "scripted"]
    assert texts[2].startswith("# Mock OCR document")
    assert (script.calls, script.remaining) == (2, 0)
    assert ocr_gateway.calls.last.nearest[0]["mismatches"] == [
        {"field": "times", "expected": "calls left", "got": "used up"}]


def test_a_sequence_steps_on_each_call_then_repeats_then(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", sequence=[{"upstream": 503}, {"error": "insufficient_funds"}],
                    then={"text": "recovered"})
    assert [ocr(ocr_gateway).status_code for _ in range(4)] == [502, 402, 200, 200]


# -- keys ---------------------------------------------------------------------------------------------


def test_a_balance_below_one_dollar_is_402(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.key(balance_usd=0.5)
    answer = ocr(ocr_gateway)
    assert (answer.status_code, answer.json()["error"]) == (402, "insufficient_funds")


def test_a_spent_daily_limit_is_429_and_the_account_shows_the_use(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.allow_defaults = True
    ocr_gateway.key(limits={"daily": 1}, balance_usd=10)
    assert ocr(ocr_gateway).status_code == 200
    answer = ocr(ocr_gateway)
    assert answer.status_code == 429
    assert answer.json()["description"] == "This API key has reached its daily request limit (1/1)."
    account = ocr_gateway.account()
    assert (account["requests"]["daily"], account["spent_usd"], account["balance_usd"]) == (1, 0.002, 9.998)


def test_another_key_with_its_own_state(ocr_gateway: OcrGateway) -> None:
    revoked = ocr_gateway.key("aistats_v1_sk_gone01_secret", revoked=True)
    with ocr_gateway.httpx_client(in_process=True, headers={"Authorization": f"Bearer {revoked}"}) as client:
        answer = client.post("/ocr", json={"model": "mistral/ocr-3", "image": URL_IMAGE})
    assert (answer.status_code, answer.json()["description"]) == (401, "key_not_found_or_revoked")


# -- the journal --------------------------------------------------------------------------------------


def test_calls_are_the_journal_of_this_test(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="three")
    ocr_gateway.add(model="mistral/ocr-4", error="insufficient_funds")
    ocr(ocr_gateway, language="en")
    ocr(ocr_gateway, model="mistral/ocr-4")
    calls = ocr_gateway.calls
    assert len(calls) == 2
    assert [call.status for call in calls] == [200, 402]
    first = calls.filter(model="mistral/ocr-3").last
    assert first.json == {"model": "mistral/ocr-3", "image": URL_IMAGE, "language": "en"}
    assert first.headers["authorization"] == "[redacted]"
    assert first.response["text"] == "three"
    assert (first.script, first.answered_by) == (ocr_gateway.scripts()[0]["id"], "script")
    assert len(calls.filter(status=402)) == 1
    with pytest.raises(LookupError, match="no request"):
        _ = calls.filter(status=500).last


def test_script_ids_name_the_line_that_added_them(ocr_gateway: OcrGateway) -> None:
    script = ocr_gateway.add(model="mistral/ocr-3", text="x")
    assert script.id.startswith("test_plugin_api.py:")
    ocr(ocr_gateway)


# -- fixture files ------------------------------------------------------------------------------------


def test_a_fixture_file_brings_scripts_keys_and_defaults(ocr_gateway: OcrGateway, tmp_path: Path) -> None:
    (tmp_path / "scan.png").write_bytes(INVOICE_PNG.read_bytes())
    fixture = tmp_path / "billing.yaml"
    fixture.write_text(
        "scripts:\n"
        "  - {model: mistral/ocr-3, match: {image: {file: scan.png}}, text: from the file}\n"
        "defaults:\n"
        "  mistral/ocr-4: {text: the default}\n"
        "keys:\n"
        "  - {key: aistats_v1_sk_broke1_x, balance_usd: 0}\n"
    )
    (script,) = ocr_gateway.add_fixture_file(fixture)
    assert script.id == "billing.yaml#0"
    image = base64.b64encode(INVOICE_PNG.read_bytes()).decode()
    assert ocr(ocr_gateway, image=image).json()["text"] == "from the file"
    assert ocr(ocr_gateway, model="mistral/ocr-4").json()["text"] == "the default"
    assert ocr_gateway.calls.last.answered_by == "default"  # a declared default: strict mode lets it through
    assert ocr_gateway.account("aistats_v1_sk_broke1_x")["balance_usd"] == 0


def test_a_broken_fixture_file_lists_every_problem(ocr_gateway: OcrGateway, tmp_path: Path) -> None:
    fixture = tmp_path / "broken.yaml"
    fixture.write_text("scripts:\n  - {model: mistral/ocr-3, text: 5}\n  - {text: no model}\n")
    with pytest.raises(ScriptError) as caught:
        ocr_gateway.add_fixture_file(fixture)
    assert "broken.yaml: scripts[0]: text: 5 is not of type 'string'" in str(caught.value)
    assert "broken.yaml: scripts[1]: 'model' is a required property" in str(caught.value)


# -- transports and clients ---------------------------------------------------------------------------


def test_the_sync_transport_works_with_any_httpx_client(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="no socket")
    with httpx.Client(transport=ocr_gateway.transport, base_url="http://anything") as client:
        answer = client.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": URL_IMAGE},
                             headers={"Authorization": f"Bearer {ocr_gateway.api_key}"})
    assert answer.json()["text"] == "no socket"
    assert ocr_gateway.calls.last.headers["host"] == "anything"


@pytest.mark.anyio
@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "socket"])
async def test_the_async_client(ocr_gateway: OcrGateway, in_process: bool) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="awaited")
    async with ocr_gateway.async_httpx_client(in_process=in_process) as client:
        answer = await client.post("/ocr", json={"model": "mistral/ocr-3", "image": URL_IMAGE})
    assert answer.json()["text"] == "awaited"


@pytest.mark.anyio
async def test_the_sync_transport_inside_a_running_event_loop(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="from a sync call in async code")
    assert ocr(ocr_gateway).json()["text"] == "from a sync call in async code"


def test_base_url_is_a_real_loopback_server(ocr_gateway: OcrGateway) -> None:
    ocr_gateway.add(model="mistral/ocr-3", text="over the socket")
    assert ocr_gateway.base_url.startswith("http://127.0.0.1:") and ocr_gateway.base_url.endswith("/v1")
    answer = httpx.post(f"{ocr_gateway.base_url}/ocr", json={"model": "mistral/ocr-3", "image": URL_IMAGE},
                        headers={"Authorization": f"Bearer {ocr_gateway.api_key}"})
    assert answer.json()["text"] == "over the socket"


# -- more gateways ------------------------------------------------------------------------------------


def test_the_factory_makes_independent_gateways(ocr_gateway: OcrGateway,
                                                ocr_gateway_factory: OcrGatewayFactory) -> None:
    other = ocr_gateway_factory()
    ocr_gateway.add(model="mistral/ocr-3", text="first")
    other.add(model="mistral/ocr-3", text="second")
    assert other.base_url != ocr_gateway.base_url
    assert ocr(ocr_gateway, in_process=False).json()["text"] == "first"
    assert ocr(other, in_process=False).json()["text"] == "second"
    assert (len(ocr_gateway.calls), len(other.calls)) == (1, 1)


def test_the_factory_takes_settings(ocr_gateway_factory: OcrGatewayFactory) -> None:
    closed = ocr_gateway_factory(keys=["aistats_v1_sk_only01_secret"], fixtures=ROOT / "fixtures")
    assert closed.api_key == "aistats_v1_sk_only01_secret"
    image = base64.b64encode(INVOICE_PNG.read_bytes()).decode()
    assert ocr(closed, image=image).json()["text"] == "# INVOICE 123\n\nTotal: $42.00"
    with closed.httpx_client(in_process=True, headers={"Authorization": "Bearer aistats_v1_sk_other1_x"}) as client:
        assert client.post("/ocr", json={"model": "mistral/ocr-3", "image": image}).status_code == 401
