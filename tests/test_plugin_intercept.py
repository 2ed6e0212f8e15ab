"""Interception and callbacks as users meet them: test files run by pytest (``pytester``), judged by their
outcome and report. Calls to the gateway's base URLs land on the mock from httpx, requests and urllib; other
hosts are untouched; an endpoint the mock does not serve fails the test without reaching the network; a
callback computes answers, and what it raises fails the test with its traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.server import RunningServer, serve

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
{extra}
"""

NO_NETWORK = '''
import socket

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection to a host other than the loopback fails the test loudly."""
    real_connect = socket.socket.connect

    def connect(sock, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"the test reached the network: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
'''


def run(pytester: pytest.Pytester, source: str, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makeini(INI.format(extra=ini))
    pytester.makeconftest(NO_NETWORK)
    pytester.makepyfile(test_app=source)
    return pytester.runpytest(*args)


CLIENTS = '''
import json
import urllib.request

import httpx
import pytest
import requests

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}
KEY = {"Authorization": "Bearer aistats_v1_sk_app001_secret"}


def test_httpx(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="httpx")
    assert httpx.post("https://api.phaseo.app/v1/ocr", json=BODY, headers=KEY).json()["text"] == "httpx"


@pytest.mark.anyio
async def test_httpx_async_eu(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="async")
    async with httpx.AsyncClient(base_url="https://eu.api.phaseo.app/v1", headers=KEY) as client:
        assert (await client.post("/ocr", json=BODY)).json()["text"] == "async"


def test_requests_us(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", upstream=503)
    answer = requests.post("https://us.api.phaseo.app/v1/ocr", json=BODY, headers=KEY)
    assert (answer.status_code, answer.json()["error"]) == (502, "upstream_error")


def test_urllib(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="urllib")
    request = urllib.request.Request("https://api.phaseo.app/v1/ocr", data=json.dumps(BODY).encode(),
                                     headers={**KEY, "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request) as answer:
        assert json.loads(answer.read())["text"] == "urllib"
    assert ocr_gateway.calls.last.script.startswith("test_app.py:")


def test_a_listed_base_url(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="internal")
    answer = httpx.post("http://ocr.internal:9000/gateway/v1/ocr", json=BODY, headers=KEY)
    assert answer.json()["text"] == "internal"
'''


def test_calls_to_the_gateways_base_urls_land_on_the_mock(pytester: pytest.Pytester) -> None:
    ini = "ocr_gateway_intercept = true\nocr_gateway_intercept_urls =\n    http://ocr.internal:9000/gateway/v1"
    run(pytester, CLIENTS, "-p", "no:asyncio", ini=ini).assert_outcomes(passed=5)


def test_the_marker_turns_interception_on(pytester: pytest.Pytester) -> None:
    source = "import pytest\npytestmark = pytest.mark.ocr_gateway(intercept=True)\n" + CLIENTS.replace(
        "def test_a_listed_base_url", "def not_a_test")
    run(pytester, source, "-p", "no:asyncio").assert_outcomes(passed=4)


OTHER_HOSTS = '''
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import requests
import urllib.request

pytestmark = pytest.mark.ocr_gateway(intercept=True)


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"the real server")

    def log_message(self, *args):
        pass


@pytest.fixture
def other_host():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/ocr"
    server.shutdown()


def test_before_interception_an_opener_is_built(other_host):
    """urlopen's global opener, built before any test intercepts: interception must work through it too."""
    assert urllib.request.urlopen(other_host).read() == b"the real server"


def test_other_hosts_are_untouched(ocr_gateway, other_host):
    assert httpx.get(other_host).text == "the real server"
    assert requests.get(other_host).text == "the real server"
    assert urllib.request.urlopen(other_host).read() == b"the real server"
    assert len(ocr_gateway.calls) == 0


def test_the_global_opener_is_intercepted_too(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="through the global opener")
    request = urllib.request.Request("https://api.phaseo.app/v1/ocr", method="POST",
                                     data=b'{"model": "mistral/ocr-3", "image": "https://example.com/a.png"}',
                                     headers={"Authorization": f"Bearer {ocr_gateway.api_key}",
                                              "Content-Type": "application/json"})
    assert b"through the global opener" in urllib.request.urlopen(request).read()


def test_the_transports_are_restored_after_the_test():
    assert httpx.HTTPTransport.handle_request.__qualname__ == "HTTPTransport.handle_request"
    assert requests.adapters.HTTPAdapter.send.__qualname__ == "HTTPAdapter.send"
    assert urllib.request.AbstractHTTPHandler.do_open.__qualname__ == "AbstractHTTPHandler.do_open"
'''


def test_other_hosts_are_untouched_and_the_patches_end_with_the_test(pytester: pytest.Pytester) -> None:
    run(pytester, OTHER_HOSTS).assert_outcomes(passed=4)


def test_a_listed_base_url_that_is_not_one_is_a_clear_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, CLIENTS, ini="ocr_gateway_intercept = true\nocr_gateway_intercept_urls = ocr.internal/v1")
    result.assert_outcomes(passed=0, errors=5)
    result.stdout.fnmatch_lines(
        ["*ocr_gateway: ocr_gateway_intercept_urls: 'ocr.internal/v1' is not an http(s) base URL"])


REFUSED = '''
import urllib.error
import urllib.request

import httpx
import pytest
import requests

pytestmark = pytest.mark.ocr_gateway(intercept=True)


def test_an_app_that_swallows_the_error(ocr_gateway):
    try:
        httpx.get("https://api.phaseo.app/v1/models")
    except httpx.ConnectError:
        pass


def test_requests(ocr_gateway):
    with pytest.raises(requests.ConnectionError):
        requests.post("https://eu.api.phaseo.app/v1/chat/completions", json={})


def test_urllib(ocr_gateway):
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen("https://us.api.phaseo.app/v1/ocr/")
'''


def test_an_endpoint_the_mock_does_not_serve_fails_the_test_without_the_network(pytester: pytest.Pytester) -> None:
    result = run(pytester, REFUSED)
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines([
        "*ocr_gateway: GET https://api.phaseo.app/v1/models was intercepted and not sent: the OCR gateway mock "
        "serves only https://api.phaseo.app/v1/ocr",
        "*ocr_gateway: POST https://eu.api.phaseo.app/v1/chat/completions was intercepted and not sent*",
        "*ocr_gateway: GET https://us.api.phaseo.app/v1/ocr/ was intercepted and not sent*",
    ])
    assert "reached the network" not in result.stdout.str()


@pytest.fixture(scope="module")
def remote() -> Iterator[RunningServer]:
    with serve("--no-fixtures") as running:
        yield running


REMOTE = '''
import httpx
import pytest

pytestmark = pytest.mark.ocr_gateway(intercept=True)


def test_intercepted_calls_go_to_the_running_mock(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="from the running mock")
    answer = httpx.post("https://api.phaseo.app/v1/ocr", json={"model": "mistral/ocr-3", "image": "aGk="},
                        headers={"Authorization": f"Bearer {ocr_gateway.api_key}"})
    assert answer.json()["text"] == "from the running mock"


def test_callbacks_need_the_mock_in_this_process(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", callback=lambda call: {"text": "x"})
'''


def test_interception_with_a_mock_that_runs_elsewhere(pytester: pytest.Pytester, remote: RunningServer) -> None:
    result = run(pytester, REMOTE, "--ocr-gateway-url", remote.url)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ScriptError: add(callback=...) needs the mock in this process*"])


# -- callbacks ------------------------------------------------------------------------------------------

CALLBACKS = '''
import base64

import pytest

BODY = {"model": "mistral/ocr-3", "image": base64.b64encode(b"scan bytes").decode(), "language": "de"}


def ocr(gateway, **extra):
    with gateway.httpx_client(in_process=True) as client:
        return client.post("/ocr", json={**BODY, **extra}, headers={"X-App": "billing"})


def test_the_answer_is_computed_from_the_request(ocr_gateway):
    seen = []

    def answer(call):
        seen.append(call)
        return {"pages": [call.image_bytes.decode(), call.json["language"]], "delay_ms": 5}

    ocr_gateway.add(model="mistral/ocr-3", callback=answer, times=2)
    assert ocr(ocr_gateway).json()["text"] == "scan bytes\\n\\nde"
    assert ocr(ocr_gateway).json()["meta"]["generation_ms"] >= 5
    assert seen[0].headers["x-app"] == "billing" and seen[0].model == "mistral/ocr-3"


def test_every_kind_of_answer(ocr_gateway):
    answers = iter([{"error": "insufficient_funds"}, {"upstream": 429}, None])
    ocr_gateway.add(model="mistral/ocr-3", callback=lambda call: next(answers))
    assert ocr(ocr_gateway).status_code == 402
    assert ocr(ocr_gateway).json()["error"] == "upstream_error"
    assert ocr(ocr_gateway).json()["text"].startswith("# Mock OCR document")


@pytest.mark.anyio
async def test_an_async_callback(ocr_gateway):
    async def answer(call):
        return {"text": f"async {call.language}"}

    ocr_gateway.add(model="mistral/ocr-3", language="de", callback=answer)
    async with ocr_gateway.async_httpx_client(in_process=True) as client:
        assert (await client.post("/ocr", json=BODY)).json()["text"] == "async de"
'''


def test_callbacks_compute_answers(pytester: pytest.Pytester) -> None:
    run(pytester, CALLBACKS, "-p", "no:asyncio").assert_outcomes(passed=3)


RAISES = '''
BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}


def parse_total(call):
    return {"text": call.json["total"]}


def test_a_callback_that_raises(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", callback=parse_total)
    with ocr_gateway.httpx_client() as client:
        answer = client.post("/ocr", json=BODY)
    assert answer.status_code == 500
    assert answer.json()["error"] == "pipeline_execution_error"


def test_a_callback_that_returns_nonsense(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", callback=lambda call: {"pages": "not a list"})
    with ocr_gateway.httpx_client() as client:
        assert client.post("/ocr", json=BODY).status_code == 500
'''


def test_what_a_callback_raises_fails_the_test_with_its_traceback(pytester: pytest.Pytester) -> None:
    result = run(pytester, RAISES)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "*def parse_total(call):",
        '>*return {"text": call.json[[]"total"[]]}',
        "E*KeyError: 'total'",
        "*raised by the ocr_gateway callback of script 'test_app.py:9'; the client got 500 pipeline_execution_error*",
    ])
    result.stdout.fnmatch_lines(["E*CallbackAnswerError: the callback's answer {'pages': 'not a list'} is not an "
                                 "answer: *pages*"])


SCRIPT_ERROR = '''
def test_a_misspelt_answer(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", pages=[1])
'''


def test_a_script_error_shows_the_tests_line_not_the_plugins(pytester: pytest.Pytester) -> None:
    result = run(pytester, SCRIPT_ERROR)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['>*ocr_gateway.add(model="mistral/ocr-3", pages=[[]1[]])',
                                 "E*ScriptError: the mock refused the script:",
                                 "E*pages[[]0[]]: 1 is not of type 'string'"])
    assert "mockserver/pytest_plugin" not in result.stdout.str()


# -- strict mode against a mock with fixture files of its own ------------------------------------------------


@pytest.fixture(scope="module")
def remote_with_files() -> Iterator[RunningServer]:
    with serve() as running:  # the bundled fixtures: six scripts, matched by image
        yield running


NEAREST = '''
import httpx


def test_asks_in_the_wrong_language(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", language="fr", text="bonjour")
    with ocr_gateway.httpx_client() as client:
        client.post("/ocr", json={"model": "mistral/ocr-3", "image": "https://example.com/a.png", "language": "en"})
'''


def test_the_nearest_scripts_start_with_the_tests_own(pytester: pytest.Pytester,
                                                       remote_with_files: RunningServer) -> None:
    result = run(pytester, NEAREST, "--ocr-gateway-url", remote_with_files.url)
    result.assert_outcomes(failed=1)
    lines = result.stdout.lines
    heading = next(index for index, line in enumerate(lines) if line.endswith("Nearest scripts:"))
    assert lines[heading + 1] == "      test_app.py:5: language: expected 'fr', got 'en'"
    assert "script 'test_app.py:5' (mistral/ocr-3, text, match language='fr') was never used" in result.stdout.str()
