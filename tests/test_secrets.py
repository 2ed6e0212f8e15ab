"""Secrets and access: a planted key and admin token appear in no output; the mock never fetches an
image URL; fixture paths stay inside the fixture directory; YAML is loaded safely."""

from __future__ import annotations

import http.server
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from starlette.testclient import TestClient

from mockserver import resources
from mockserver.mock import Mock
from mockserver.scripting.loader import FixtureError
from mockserver.settings import Settings
from mockserver.web.app import create_app
from tests.helpers import AUTH
from tests.server import OCR_MOCK, serve

PLANTED_SECRET = "PLANTEDsecretQ7x"
PLANTED_KEY = f"aistats_v1_sk_planted01_{PLANTED_SECRET}"
WRONG_SECRET = "WRONGsecretZ9k"
ADMIN_TOKEN = "adminTOKENplanted4c1e"
SECRETS = (PLANTED_SECRET, WRONG_SECRET, ADMIN_TOKEN)
SOURCE = Path(__file__).resolve().parent.parent / "mockserver"


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} appears in {where}"


def test_a_planted_key_and_admin_token_appear_in_no_output(tmp_path: Path) -> None:
    (tmp_path / "keys.yaml").write_text(f"keys:\n  - {{key: {PLANTED_KEY}, name: planted}}\n")
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    (fixtures / "by-key.yaml").write_text(
        "scripts:\n  - id: other-key\n    model: mistral/ocr-3\n"
        "    match: {headers: {authorization: 'Bearer aistats_v1_sk_other01_x'}}\n    text: other\n")
    key = {"Authorization": f"Bearer {PLANTED_KEY}"}
    wrong = {"Authorization": f"Bearer aistats_v1_sk_planted01_{WRONG_SECRET}"}
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    body = {"model": "mistral/ocr-3", "image": "https://example.com/a.png", "echo_upstream_request": True,
            "debug": {"enabled": True, "return_upstream_request": True, "return_upstream_response": True}}
    outputs: list[tuple[str, str]] = []
    with serve("--keys", str(tmp_path / "keys.yaml"), "--fixtures", str(fixtures), "--log-level", "debug",
               env={"OCR_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}) as server, \
            httpx.Client(base_url=server.url, timeout=30) as http:
        sent = [
            http.post("/v1/ocr", json=body, headers={**key, "x-gateway-debug": "1"}),
            http.post("/v1/ocr", content=b"{", headers=key),
            http.post("/v1/ocr", json={"model": 1}, headers=key),
            http.post("/v1/ocr", json=body, headers=wrong),
            http.post("/v1/ocr", json=body, headers={"Authorization": f"bearer {PLANTED_KEY}"}),
            http.post(f"/v1/ocr?key={PLANTED_KEY}", json=body),
            http.post("/v1/ocr", json=body, headers={**key, "x-mock-admin-token": ADMIN_TOKEN}),
            http.get("/v1/nothing", headers=key),
            http.get("/_mock/requests", headers={"Authorization": f"Bearer {ADMIN_TOKEN}x"}),
            http.get("/_mock/requests", headers={"X-Mock-Admin-Token": ADMIN_TOKEN.lower()}),
            http.post("/_mock/scripts", content=b"{", headers=admin),
        ]
        assert [response.status_code for response in sent] == [200, 400, 400, 401, 401, 401, 200, 404, 401, 401, 400]
        outputs += [(f"response {n}", f"{r.headers} {r.text}") for n, r in enumerate(sent)]
        for path in ("/_mock/requests", "/_mock/health", "/_mock/scripts", "/_mock/keys"):
            listed = http.get(path, headers=admin)
            assert listed.status_code == 200
            outputs.append((path, listed.text))
        journal = http.get("/_mock/requests", headers={"X-Mock-Admin-Token": ADMIN_TOKEN}).json()["requests"]
        assert len(journal) == 8
        assert {entry["headers"]["authorization"] for entry in journal if "authorization" in entry["headers"]} == {
            "[redacted]"}
        assert journal[0]["nearest"][0]["mismatches"][0] == {
            "field": "headers.authorization", "expected": "[redacted]", "got": "[redacted]"}
        assert server.stop() == 0
    outputs.append(("server log", server.log))
    assert "POST /v1/ocr 401" in server.log  # the log was searched, and it has the requests
    for where, text in outputs:
        assert_no_secret(where, text)


@pytest.mark.parametrize(
    "command",
    [
        ["serve", "--port", "0", "--keys", "{keys}"],
        ["serve", "--port", "0", "--key", f"aistats_v1_sk_ab_{PLANTED_SECRET}"],
        ["fixtures", "check", "{fixtures}"],
    ],
    ids=["serve-keys-file", "serve-key-option", "fixtures-check"],
)
def test_key_errors_name_the_kid_never_the_secret(tmp_path: Path, command: list[str]) -> None:
    bad_keys = f"keys:\n  - key: aistats_v1_sk_ab_{PLANTED_SECRET}\n  - key: sk-{WRONG_SECRET}\n"
    (tmp_path / "keys.yaml").write_text(bad_keys)
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "keys.yaml").write_text(bad_keys)
    argv = [part.format(keys=tmp_path / "keys.yaml", fixtures=tmp_path / "fixtures") for part in command]
    result = subprocess.run([str(OCR_MOCK), *argv], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "not a gateway key" in result.stdout + result.stderr
    assert_no_secret("the command's output", result.stdout + result.stderr)


def test_key_errors_of_the_admin_api_never_echo_the_secret() -> None:
    with TestClient(create_app(mock=Mock(Settings()))) as client:
        response = client.put("/_mock/keys", json={"keys": [{"key": f"aistats_v1_sk_ab_{PLANTED_SECRET}"}]})
    assert response.status_code == 400
    assert "not a gateway key" in response.text
    assert_no_secret("PUT /_mock/keys", response.text)


# -- the mock never fetches an image URL -------------------------------------------------------------


@pytest.fixture
def image_host() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that counts the requests it gets; yields (base URL, requested paths)."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(b"\x89PNG\r\n\x1a\n")

        do_HEAD = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def test_the_mock_never_fetches_an_image_url(tmp_path: Path, image_host: tuple[str, list[str]]) -> None:
    base, hits = image_host
    (tmp_path / "by-url.yaml").write_text(yaml.safe_dump({"scripts": [
        {"id": "by-url", "model": "mistral/ocr-3", "match": {"image": {"url": f"{base}/invoices/*"}}, "text": "url"},
        {"id": "by-type", "model": "mistral/ocr-4", "match": {"image": {"media_type": "image/png"}}, "text": "png"},
    ]}))
    bodies = [
        {"model": "mistral/ocr-3", "image": f"{base}/invoices/1.png"},
        {"model": "mistral/ocr-4", "image": f"{base}/a.png", "echo_upstream_request": True,
         "debug": {"enabled": True, "return_upstream_response": True}},
        {"model": "mistral/ocr-2", "image": f"{base}/b.png"},
    ]
    with serve("--fixtures", str(tmp_path)) as server, httpx.Client(base_url=server.url) as http:
        answers = [http.post("/v1/ocr", json=body, headers=AUTH) for body in bodies]
        assert [answer.status_code for answer in answers] == [200, 200, 400]
        assert answers[0].json()["text"] == "url"
        assert answers[1].json()["text"].startswith("# Mock OCR document")  # no bytes, so not "png"
    with TestClient(create_app(mock=Mock(Settings(fixtures=tmp_path)))) as client:
        assert client.post("/v1/ocr", json=bodies[0], headers=AUTH).json()["text"] == "url"
    assert hits == []
    with httpx.Client() as probe:  # the counter counts
        probe.get(f"{base}/probe")
    assert hits == ["/probe"]


# -- fixture paths and YAML ---------------------------------------------------------------------------


def _problems(directory: Path) -> list[str]:
    with pytest.raises(FixtureError) as raised:
        Mock(Settings(fixtures=directory))
    return [str(problem) for problem in raised.value.problems]


def test_a_symlink_cannot_take_a_fixture_path_outside_the_directory(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(b"\x89PNG outside")
    fixtures = tmp_path / "fixtures"
    (fixtures / "images").mkdir(parents=True)
    (fixtures / "images" / "link.png").symlink_to(outside / "secret.png")
    (fixtures / "linked-dir").symlink_to(outside, target_is_directory=True)
    (fixtures / "scripts.yaml").write_text(yaml.safe_dump({"scripts": [
        {"id": "file-link", "model": "mistral/ocr-3", "match": {"image": {"file": "images/link.png"}}, "text": "a"},
        {"id": "dir-link", "model": "mistral/ocr-3", "match": {"image": {"file": "linked-dir/secret.png"}},
         "text": "b"},
        {"id": "absolute", "model": "mistral/ocr-3", "match": {"image": {"file": str(outside / "secret.png")}},
         "text": "c"},
    ]}))
    problems = _problems(fixtures)
    assert problems == [
        "scripts.yaml:5: scripts[0] (file-link): match.image.file: 'images/link.png' is outside the fixtures directory",
        "scripts.yaml:11: scripts[1] (dir-link): match.image.file: 'linked-dir/secret.png' is outside the fixtures "
        "directory",
        f"scripts.yaml:17: scripts[2] (absolute): match.image.file: '{outside / 'secret.png'}' is outside the fixtures "
        "directory",
    ]


@pytest.mark.parametrize("where", ["fixture file", "keys file"])
def test_yaml_tags_that_build_python_objects_are_refused(tmp_path: Path, where: str) -> None:
    marker = tmp_path / "pwned"
    payload = f"scripts: !!python/object/apply:os.system ['touch {marker}']\n"
    if where == "fixture file":
        (tmp_path / "evil.yaml").write_text(payload)
        problems = _problems(tmp_path)
        assert len(problems) == 1 and problems[0].startswith("evil.yaml:1:10: not readable YAML: could not determine")
    else:
        (tmp_path / "keys.yaml").write_text(payload.replace("scripts:", "keys:"))
        with pytest.raises(FixtureError, match="not readable YAML"):
            Mock(Settings(keys_file=tmp_path / "keys.yaml"))
    assert not marker.exists()


def test_every_yaml_load_in_the_package_is_a_safe_one() -> None:
    unsafe = re.compile(r"yaml\.(load|unsafe_load|full_load|load_all)\(|Loader=yaml\.(Unsafe|Full)?Loader")
    found = [f"{path.name}: {line.strip()}" for path in SOURCE.rglob("*.py")
             for line in path.read_text().splitlines() if unsafe.search(line)]
    assert found == []
    assert any("yaml.safe_load(" in path.read_text() for path in SOURCE.rglob("*.py"))
    # the shipped data files are read by resources.load_yaml, with libyaml's safe loader or the pure-Python one
    assert resources._FAST_LOADER in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader))
