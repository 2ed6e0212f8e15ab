"""The plugin as its users meet it: real test files run by pytest (``pytester``), each judged by its outcome
and its report. Passing suites, strict-mode failures and their messages, opting out, isolation between tests,
fixture directories, xdist, async tests, clients other than httpx (requests, a subprocess, the official SDK),
and a mock that runs elsewhere (``--ocr-gateway-url``)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server import RunningServer, serve
from tests.test_official_clients import client_python

ROOT = Path(__file__).resolve().parent.parent
INVOICE_PNG = ROOT / "fixtures" / "images" / "invoice.png"
CALL_OCR = ROOT / "examples" / "official_clients" / "call_ocr.py"

INI = """
[pytest]
asyncio_default_fixture_loop_scope = function
{extra}
"""

PASSING = '''
import httpx

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/invoice.png"}


def test_scripted_pages_over_the_socket(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", pages=["# Invoice 123", "Total: $42.00"])
    answer = httpx.post(f"{ocr_gateway.base_url}/ocr", json=BODY,
                        headers={"Authorization": f"Bearer {ocr_gateway.api_key}"})
    assert answer.json()["text"] == "# Invoice 123\\n\\nTotal: $42.00"
    assert ocr_gateway.calls.last.json["model"] == "mistral/ocr-3"


def test_an_upstream_failure_in_process(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", upstream=429, times=1)
    with ocr_gateway.httpx_client(in_process=True) as client:
        assert client.post("/ocr", json=BODY).status_code == 502
'''


def run(pytester: pytest.Pytester, source: str, *args: str, ini: str = "") -> pytest.RunResult:
    pytester.makeini(INI.format(extra=ini))
    pytester.makepyfile(test_app=source)
    return pytester.runpytest(*args)


def test_a_suite_that_uses_the_gateway_as_scripted_passes(pytester: pytest.Pytester) -> None:
    run(pytester, PASSING).assert_outcomes(passed=2)


UNUSED = '''
def test_forgets_to_call(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="never read")
'''


def test_a_script_the_test_never_used_fails_it(pytester: pytest.Pytester) -> None:
    result = run(pytester, UNUSED)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "ocr_gateway: 1 problem (strict mode: opt out with @pytest.mark.ocr_gateway(strict=False) *",
        "  - script 'test_app.py:2' (mistral/ocr-3, text) was never used",
        "FAILED test_app.py::test_forgets_to_call - Failed: ocr_gateway: 1 problem*",
    ])


UNDER_USED = '''
import httpx

def test_retries_once_too_few(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", sequence=[{"upstream": 503}, {"upstream": 503}], then={"text": "ok"})
    ocr_gateway.add(model="mistral/ocr-4", text="twice", times=2)
    with ocr_gateway.httpx_client(in_process=True) as client:
        client.post("/ocr", json={"model": "mistral/ocr-3", "image": "https://example.com/a.png"})
        client.post("/ocr", json={"model": "mistral/ocr-4", "image": "https://example.com/a.png"})
'''


def test_a_bounded_script_must_be_used_up(pytester: pytest.Pytester) -> None:
    result = run(pytester, UNDER_USED)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "ocr_gateway: 1 problem *",
        "  - script 'test_app.py:5' (mistral/ocr-4, text) was used 1 of 2 times",
    ])
    result.stdout.no_fnmatch_line("*test_app.py:4*")  # a sequence with 'then' has no bound: one call is enough


UNEXPECTED = '''
import httpx

def test_asks_in_the_wrong_language(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", language="fr", text="bonjour")
    ocr_gateway.add(model="mistral/ocr-4", language="en", text="hello", times=1)
    with ocr_gateway.httpx_client() as client:
        answer = client.post("/ocr", json={"model": "mistral/ocr-3", "image": "https://example.com/a.png",
                                           "language": "en"})
    assert answer.status_code == 200  # the built-in default answered
'''


def test_a_call_that_matched_no_script_fails_the_test_with_the_nearest_scripts(pytester: pytest.Pytester) -> None:
    result = run(pytester, UNEXPECTED)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "ocr_gateway: 3 problems *",
        "  - script 'test_app.py:4' (mistral/ocr-3, text, match language='fr') was never used",
        "  - script 'test_app.py:5' (mistral/ocr-4, text, match language='en') was never used",
        "  - POST /v1/ocr (model 'mistral/ocr-3', image https://example.com/a.png) matched no script; "
        "the built-in default document answered 200. Nearest scripts:",
        "      test_app.py:4: language: expected 'fr', got 'en'",
        "      test_app.py:5: model: expected 'mistral/ocr-4', got 'mistral/ocr-3'",
    ])


NOTHING_SCRIPTED = '''
import httpx

def test_calls_without_a_script(ocr_gateway):
    with ocr_gateway.httpx_client(in_process=True) as client:
        client.post("/ocr", json={"model": "mistral/ocr-3", "image": "https://example.com/a.png"})
'''


def test_a_call_when_nothing_was_scripted_says_so(pytester: pytest.Pytester) -> None:
    result = run(pytester, NOTHING_SCRIPTED)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*matched no script*", "      no script could have answered: none was added*"])


@pytest.mark.parametrize(("how", "args", "ini"), [
    ("marker", (), ""),
    ("ini", (), "ocr_gateway_strict = false"),
    ("command line", ("--ocr-gateway-strict=false",), ""),
])
def test_strict_mode_can_be_turned_off(pytester: pytest.Pytester, how: str, args: tuple[str, ...],
                                       ini: str) -> None:
    source = NOTHING_SCRIPTED + UNUSED.replace("def test_", "def test_also_")
    if how == "marker":
        source = "import pytest\npytestmark = pytest.mark.ocr_gateway(strict=False)\n" + source
    run(pytester, source, *args, ini=ini).assert_outcomes(passed=2)


def test_defaults_can_be_allowed_for_a_test(pytester: pytest.Pytester) -> None:
    source = NOTHING_SCRIPTED.replace("def test_", "@pytest.mark.ocr_gateway(allow_defaults=True)\ndef test_")
    run(pytester, "import pytest\n" + source).assert_outcomes(passed=1)


OWN_FAILURE = '''
def test_fails_on_its_own(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="never read")
    assert 1 + 1 == 3
'''


def test_a_failing_test_reports_its_own_failure_not_strict_modes(pytester: pytest.Pytester) -> None:
    result = run(pytester, OWN_FAILURE)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert (1 + 1) == 3*"])
    result.stdout.no_fnmatch_line("*was never used*")


ISOLATION = '''
import httpx

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}


def test_first_leaves_state_behind(ocr_gateway):
    ocr_gateway.strict = False
    ocr_gateway.add(model="mistral/ocr-3", text="first test's script")
    ocr_gateway.key(balance_usd=0.5)
    with ocr_gateway.httpx_client() as client:
        assert client.post("/ocr", json=BODY).status_code == 402


def test_second_sees_none_of_it(ocr_gateway):
    assert ocr_gateway.scripts() == [] and len(ocr_gateway.calls) == 0
    ocr_gateway.add(model="mistral/ocr-3", text="second")
    with ocr_gateway.httpx_client() as client:
        assert client.post("/ocr", json=BODY).json()["text"] == "second"
'''


def test_tests_never_see_each_others_scripts_calls_or_balances(pytester: pytest.Pytester) -> None:
    run(pytester, ISOLATION).assert_outcomes(passed=2)


FIXTURE_DIR = '''
import base64
import pytest

IMAGE = base64.b64encode(open({image!r}, "rb").read()).decode()


@pytest.mark.ocr_gateway(fixtures="scenarios")
def test_the_markers_directory(ocr_gateway):
    with ocr_gateway.httpx_client() as client:
        answer = client.post("/ocr", json={{"model": "mistral/ocr-3", "image": IMAGE}})
    assert answer.json()["text"] == "read from scenarios/"


def test_the_sessions_directory(ocr_gateway):
    with ocr_gateway.httpx_client(in_process=True) as client:
        answer = client.post("/ocr", json={{"model": "mistral/ocr-3", "image": IMAGE}})
    assert answer.json()["text"] == "read from session/"
'''


def write_fixture_dir(directory: Path, text: str) -> None:
    directory.mkdir()
    (directory / "scan.png").write_bytes(INVOICE_PNG.read_bytes())
    (directory / "invoice.yaml").write_text(
        f"scripts:\n  - {{model: mistral/ocr-3, match: {{image: {{file: scan.png}}}}, text: {text}}}\n")


def test_fixture_directories_from_the_marker_and_the_ini(pytester: pytest.Pytester) -> None:
    write_fixture_dir(pytester.path / "scenarios", "read from scenarios/")
    write_fixture_dir(pytester.path / "session", "read from session/")
    source = FIXTURE_DIR.format(image=str(INVOICE_PNG))
    run(pytester, source, ini="ocr_gateway_fixtures = session").assert_outcomes(passed=2)


def test_a_broken_fixture_directory_stops_the_test_with_its_problems(pytester: pytest.Pytester) -> None:
    (pytester.path / "broken").mkdir()
    (pytester.path / "broken" / "bad.yaml").write_text("scripts:\n  - {model: mistral/ocr-3, pages: [1]}\n")
    result = run(pytester, PASSING, "--ocr-gateway-fixtures", str(pytester.path / "broken"))
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["ocr_gateway: the fixtures in */broken have problems:"])
    assert "bad.yaml:2: scripts[0]: pages[0]: 1 is not of type 'string'" in result.stdout.str()
    result.stdout.no_fnmatch_line("*During handling of the above exception*")


XDIST = '''
import os
import pytest

@pytest.mark.parametrize("n", range(6))
def test_each_worker_has_its_own_server(ocr_gateway, n):
    assert len(ocr_gateway.calls) == 0
    ocr_gateway.add(model="mistral/ocr-3", text=f"call {{n}}")
    with ocr_gateway.httpx_client() as client:
        answer = client.post("/ocr", json={{"model": "mistral/ocr-3", "image": "https://example.com/a.png"}})
    assert answer.json()["text"] == f"call {{n}}"
    with open({log!r}, "a") as log:
        log.write(f"{{os.environ['PYTEST_XDIST_WORKER']}} {{ocr_gateway.base_url}}\\n")
'''


def test_under_xdist_each_worker_gets_one_server(pytester: pytest.Pytester, tmp_path: Path) -> None:
    log = tmp_path / "servers.log"
    run(pytester, XDIST.format(log=str(log)), "-n", "2").assert_outcomes(passed=6)
    servers = {tuple(line.split()) for line in log.read_text().splitlines()}
    workers = {worker for worker, _ in servers}
    assert workers == {"gw0", "gw1"}
    assert len(servers) == 2, servers  # one base URL per worker, for all of its tests


ASYNC = '''
import pytest

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}


@pytest.mark.anyio
async def test_under_anyio(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="anyio")
    async with ocr_gateway.async_httpx_client(in_process=True) as client:
        assert (await client.post("/ocr", json=BODY)).json()["text"] == "anyio"


@pytest.mark.asyncio
async def test_under_pytest_asyncio_over_the_socket(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="asyncio", delay_ms=20)
    async with ocr_gateway.async_httpx_client() as client:
        assert (await client.post("/ocr", json=BODY)).json()["text"] == "asyncio"
'''


def test_async_tests_under_anyio_and_pytest_asyncio(pytester: pytest.Pytester) -> None:
    run(pytester, ASYNC).assert_outcomes(passed=2)


OTHER_CLIENTS = '''
import json
import subprocess
import sys

import requests

BODY = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}


def test_requests(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="via requests")
    answer = requests.post(f"{ocr_gateway.base_url}/ocr", json=BODY,
                           headers={"Authorization": f"Bearer {ocr_gateway.api_key}"}, timeout=10)
    assert answer.json()["text"] == "via requests"


SUBPROCESS = """
import json, sys, urllib.request
request = urllib.request.Request(sys.argv[1] + "/ocr", data=json.dumps(json.loads(sys.argv[3])).encode(),
                                 headers={"Authorization": "Bearer " + sys.argv[2],
                                          "Content-Type": "application/json"})
print(json.load(urllib.request.urlopen(request, timeout=10))["text"])
"""


def test_a_client_in_another_process(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", text="via a subprocess")
    out = subprocess.run([sys.executable, "-c", SUBPROCESS, ocr_gateway.base_url, ocr_gateway.api_key,
                          json.dumps(BODY)], capture_output=True, text=True, timeout=30, check=True).stdout
    assert out.strip() == "via a subprocess"
    assert ocr_gateway.calls.last.headers["user-agent"].startswith("Python-urllib")
'''


def test_requests_and_a_subprocess_reach_the_real_socket(pytester: pytest.Pytester) -> None:
    run(pytester, OTHER_CLIENTS).assert_outcomes(passed=2)


SDK = '''
import json
import subprocess


def test_the_official_sdk(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", pages=["# Invoice 123", "Total: $42.00"])
    ocr_gateway.add(model="mistral/ocr-4", error="insufficient_funds")
    answers = [
        json.loads(subprocess.run(
            [{python!r}, {script!r}, "--sdk", "ai-stats", "--base-url", ocr_gateway.base_url,
             "--api-key", ocr_gateway.api_key, "--model", model, "--image", "https://example.com/a.png"],
            capture_output=True, text=True, timeout=120).stdout)
        for model in ("mistral/ocr-3", "mistral/ocr-4")
    ]
    assert answers[0]["body"]["text"] == "# Invoice 123\\n\\nTotal: $42.00"
    assert (answers[1]["status"], answers[1]["body"]["error"]) == (402, "insufficient_funds")
    assert ocr_gateway.calls.last.headers["authorization"] == "[redacted]"
'''


def test_the_official_ai_stats_sdk_against_the_plugins_server(pytester: pytest.Pytester) -> None:
    python = client_python("ai-stats")  # skips when Python 3.12 is missing
    run(pytester, SDK.format(python=python, script=str(CALL_OCR))).assert_outcomes(passed=1)


FACTORY = '''
def test_two_gateways(ocr_gateway, ocr_gateway_factory):
    backup = ocr_gateway_factory(keys=["aistats_v1_sk_backup_secret"])
    ocr_gateway.add(model="mistral/ocr-3", upstream=503)
    backup.add(model="mistral/ocr-3", text="from the backup")
    body = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}
    with ocr_gateway.httpx_client() as primary, backup.httpx_client() as secondary:
        assert primary.post("/ocr", json=body).status_code == 502
        assert secondary.post("/ocr", json=body).json()["text"] == "from the backup"
    backup.add(model="mistral/ocr-4", text="forgotten")
'''


def test_factory_gateways_are_strict_too(pytester: pytest.Pytester) -> None:
    result = run(pytester, FACTORY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["ocr_gateway_factory() #1: 1 problem *",
                                 "  - script 'test_app.py:9' (mistral/ocr-4, text) was never used"])


LIGHT = '''
import sys

def test_loading_the_plugin_imports_nothing_heavy():
    assert "mockserver.pytest_plugin.plugin" in sys.modules
    heavy = [name for name in ("mockserver.web.app", "mockserver.mock", "httpx", "openapi_core", "uvicorn")
             if name in sys.modules]
    assert heavy == []
'''


def test_the_plugin_costs_suites_that_do_not_use_it_nothing(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra=""))
    pytester.makepyfile(test_app=LIGHT)
    # without the other installed plugins, some of which import httpx themselves
    result = pytester.runpytest_subprocess("-p", "no:anyio", "-p", "no:respx", "-p", "no:asyncio")
    result.assert_outcomes(passed=1)


# -- a mock that runs elsewhere -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def remote() -> Iterator[RunningServer]:
    with serve("--no-fixtures") as running:
        yield running


REMOTE = '''
import httpx
import pytest


def test_scripts_go_through_the_admin_api(ocr_gateway):
    assert ocr_gateway.base_url == "{url}/v1"
    ocr_gateway.add(model="mistral/ocr-3", text="remote")
    ocr_gateway.key(balance_usd=5)
    with httpx.Client(transport=ocr_gateway.transport, base_url=ocr_gateway.base_url,
                      headers={{"Authorization": f"Bearer {{ocr_gateway.api_key}}"}}) as client:
        assert client.post("/ocr", json={{"model": "mistral/ocr-3", "image": "https://example.com/a.png"}}).json()[
            "text"] == "remote"
    assert ocr_gateway.calls.last.script == "test_app.py:7"
    assert ocr_gateway.account()["spent_usd"] == 0.002


def test_strict_mode_reads_the_remote_journal(ocr_gateway):
    assert len(ocr_gateway.calls) == 0
    ocr_gateway.add(model="mistral/ocr-4", text="unused")


@pytest.mark.ocr_gateway(fixtures="scenarios")
def test_a_fixture_directory_is_sent_file_by_file(ocr_gateway):
    assert [script["id"] for script in ocr_gateway.scripts()] == ["invoice.yaml#0"]
    with ocr_gateway.httpx_client() as client:
        answer = client.post("/ocr", json={{"model": "mistral/ocr-3", "image": {image!r}}})
    assert answer.json()["text"] == "read from scenarios/"
'''


def test_an_already_running_mock_through_its_admin_api(pytester: pytest.Pytester, remote: RunningServer) -> None:
    write_fixture_dir(pytester.path / "scenarios", "read from scenarios/")
    image = base64.b64encode(INVOICE_PNG.read_bytes()).decode()
    result = run(pytester, REMOTE.format(url=remote.url, image=image), "--ocr-gateway-url", remote.url)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["  - script 'test_app.py:19' (mistral/ocr-4, text) was never used"])


def test_an_unreachable_mock_is_one_clear_error(pytester: pytest.Pytester) -> None:
    result = run(pytester, PASSING, "--ocr-gateway-url", "http://127.0.0.1:9")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*ocr_gateway: the OCR gateway mock at http://127.0.0.1:9 is not reachable*"])


def test_the_help_lists_the_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI.format(extra=""))
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--ocr-gateway-url=URL*", "*--ocr-gateway-fixtures=DIR*",
                                 "*--ocr-gateway-strict=true|false*", "*ocr_gateway_strict (bool):*"])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.ocr_gateway(fixtures=None, strict=None, *"])

