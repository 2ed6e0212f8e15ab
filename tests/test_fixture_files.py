"""Fixture files: the bundled set, ``ocr-mock fixtures check``, a refused ``serve``, and ``--reload``."""

from __future__ import annotations

import base64
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from mockserver.mock import Mock
from mockserver.resources import fixtures_dir
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.helpers import AUTH
from tests.server import OCR_MOCK, serve

DATA = Path(__file__).resolve().parent / "data"
BROKEN = DATA / "broken-fixtures"
IMAGES = fixtures_dir() / "images"


@pytest.mark.parametrize(
    ("image", "model", "text"),
    [
        ("invoice.png", "mistral/ocr-3", "# INVOICE 123\n\nTotal: $42.00"),
        ("receipt.jpg", "mistral/ocr-4", "# RECEIPT 77\n\nPaid: $9.99"),
        ("letter.pdf", "mistral/ocr-3", "Dear customer,\n\nThank you."),
    ],
)
def test_bundled_fixtures_read_the_sample_images(image: str, model: str, text: str) -> None:
    client = TestClient(create_app(mock=Mock(Settings(fixtures=fixtures_dir()))))
    encoded = base64.b64encode((IMAGES / image).read_bytes()).decode()
    response = client.post("/v1/ocr", json={"model": model, "image": encoded}, headers=AUTH)
    assert response.json()["text"] == text


def test_every_ocr_model_of_the_catalog_has_bundled_sample_answers() -> None:
    mock = Mock(Settings(fixtures=fixtures_dir()))
    assert {script.model for script in mock.engine.scripts()} == set(mock.ocr_models)


def test_check_passes_on_the_bundled_fixtures() -> None:
    result = subprocess.run([str(OCR_MOCK), "fixtures", "check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("1 files, 6 scripts, 0 defaults, 0 keys: ok")


EXPECTED = {
    "a-structure.yaml": [
        "a-structure.yaml:3: scripts[0] (no-model): 'model' is a required property",
        "a-structure.yaml:7: scripts[1] (bad-status): upstream.status: 200 is less than the minimum of 400",
        "a-structure.yaml:11: scripts[2] (unknown-field): colour: Additional properties are not allowed ('colour' was "
        "unexpected)",
        "a-structure.yaml:14: scripts[3] (bad-fault): fault: 'explode' is not one of ['drop', 'truncate', 'dribble']",
        "a-structure.yaml:18: scripts[4] (misspelt): tims: Additional properties are not allowed ('tims' was "
        "unexpected); did you mean 'times'?",
    ],
    "b-semantics.yaml": [
        "b-semantics.yaml:5: scripts[0] (two-answers): text: give one answer, not pages and text",
        "b-semantics.yaml:8: scripts[1] (unknown-model): model: 'acme/ocr-9' is not an OCR model the catalog serves, "
        "so no request ever reaches this script",
        "b-semantics.yaml:12: scripts[2] (escaping-file): match.image.file: '../../../etc/passwd' is outside the "
        "fixtures directory",
        "b-semantics.yaml:16: scripts[3] (missing-file): match.image.file: no such file: images/nope.png",
        "b-semantics.yaml:20: scripts[4] (sequence-and-times): times: with a sequence, put this in a step (or in "
        "'then')",
        "b-semantics.yaml:25: scripts[5] (backwards-uniform): delay.uniform: min_ms is above max_ms",
        "b-semantics.yaml:29: scripts[6] (fault-with-error): fault: a fault spoils a document; it cannot go with an "
        "error or upstream answer",
    ],
    "c-yaml.yaml": [
        "c-yaml.yaml:2:1: not readable YAML: found unexpected end of stream (while scanning a quoted scalar that "
        "starts at 1:41)",
    ],
    "d-keys.yaml": [
        "d-keys.yaml:2: keys[0]: key: not a gateway key (aistats_v1_sk_<kid>_<secret>)",
        "d-keys.yaml:4: keys[1]: balance_usd: 'lots' is not of type 'number'",
    ],
    "e-duplicate.yaml": [
        "e-duplicate.yaml:4: scripts[1] (twice): id: the id is already used in e-duplicate.yaml",
        "e-duplicate.yaml:6: defaults.acme/none: 'acme/none' is not an OCR model the catalog serves, so no request "
        "ever gets this default",
    ],
}
EXPECTED_PROBLEMS = [problem for problems in EXPECTED.values() for problem in problems]


def check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OCR_MOCK), "fixtures", "check", *map(str, paths)], capture_output=True, text=True,
                          timeout=60)


def test_check_reports_every_problem_by_file_with_its_line_entry_and_field() -> None:
    result = check(BROKEN)
    assert result.returncode == 1
    expected = []
    for source, problems in EXPECTED.items():
        expected += [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}",
                     *(f"  {problem}" for problem in problems)]
    assert result.stderr.splitlines() == [*expected, f"17 problem(s) in {BROKEN}"]
    assert "sk-not-a-gateway-key-secretvalue" not in result.stderr
    assert "Traceback" not in result.stderr


def test_check_takes_files_as_well_as_directories() -> None:
    result = check(BROKEN / "d-keys.yaml", fixtures_dir(), BROKEN / "c-yaml.yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "d-keys.yaml: 2 problems", *(f"  {problem}" for problem in EXPECTED["d-keys.yaml"]),
        f"2 problem(s) in {BROKEN / 'd-keys.yaml'}",
        "c-yaml.yaml: 1 problem", *(f"  {problem}" for problem in EXPECTED["c-yaml.yaml"]),
        f"1 problem(s) in {BROKEN / 'c-yaml.yaml'}",
    ]
    ok = "(gateway release 2026-07): 1 files, 6 scripts, 0 defaults, 0 keys: ok"
    assert result.stdout.strip() == f"{fixtures_dir()} {ok}"
    one = check(fixtures_dir() / "samples.yaml")
    assert (one.returncode, one.stdout.strip()) == (0, f"{fixtures_dir() / 'samples.yaml'} {ok}")


def test_rendered_answers_are_checked_against_the_spec(tmp_path: Path) -> None:
    spec = yaml.safe_load((Path(__file__).resolve().parent.parent / "openapi.yaml").read_text())
    spec["components"]["schemas"]["OcrResponse"] = {"type": "object", "required": ["pages"]}
    (tmp_path / "strict.yaml").write_text(yaml.safe_dump(spec))
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "one.yaml").write_text("scripts:\n  - {id: plain, model: mistral/ocr-3, text: hi}\n")
    command = [str(OCR_MOCK), "fixtures", "check", str(fixtures), "--spec", str(tmp_path / "strict.yaml")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "one.yaml:2: scripts[0] (plain): rendered answer: body: 'pages' is a required property" in result.stderr


def test_serve_refuses_broken_fixtures_with_the_problems_not_a_traceback() -> None:
    result = subprocess.run([str(OCR_MOCK), "serve", "--port", "0", "--fixtures", str(BROKEN)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: the fixtures or keys have problems:\n")
    assert EXPECTED_PROBLEMS[0] in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_public_address_without_an_admin_token() -> None:
    result = subprocess.run([str(OCR_MOCK), "serve", "--host", "0.0.0.0", "--port", "0", "--no-fixtures"],
                            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "needs a token: pass --admin-token or set OCR_MOCK_ADMIN_TOKEN" in result.stderr


def wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_reload_picks_up_edits_and_keeps_the_last_good_set(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    scripts = fixtures / "scripts.yaml"
    scripts.write_text("scripts:\n  - {id: v1, model: mistral/ocr-3, text: version one}\n")
    body = {"model": "mistral/ocr-3", "image": "https://example.com/a.png"}
    with serve("--fixtures", str(fixtures), "--reload") as server, httpx.Client(base_url=server.url) as http:
        def text() -> str:
            answer: str = http.post("/v1/ocr", json=body, headers=AUTH).json()["text"]
            return answer

        assert text() == "version one"
        scripts.write_text("scripts:\n  - {id: v2, model: mistral/ocr-3, text: version two}\n")
        wait_for(lambda: text() == "version two")
        scripts.write_text("scripts:\n  - {id: v3, model: mistral/ocr-3, text: [broken\n")
        wait_for(lambda: http.get("/_mock/health").json()["reload_error"] is not None)
        assert "scripts.yaml:3:1: not readable YAML" in http.get("/_mock/health").json()["reload_error"]
        assert text() == "version two"
        scripts.unlink()
        wait_for(lambda: not text().startswith("version"))  # deleting the file is a valid (empty) set
        shutil.copy(DATA / "broken-fixtures" / "a-structure.yaml", fixtures / "broken.yaml")
        wait_for(lambda: "broken.yaml" in (http.get("/_mock/health").json()["reload_error"] or ""))
    assert "fixtures not reloaded, the last good set keeps serving" in server.log
