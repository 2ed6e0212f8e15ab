"""The gateway's official Python clients work against ``ocr-mock serve`` with ``base_url`` set to it.

Each client is installed once into its own environment under ``.venv/sdk/`` (they both ship a
top-level ``gen`` module): ``ai-stats-py-sdk`` 2.0.5 needs Python 3.12, ``phaseo`` 3.0.0 runs on 3.11.
"""

from __future__ import annotations

import glob
import json
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import KEY
from tests.server import RunningServer, serve

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "examples" / "official_clients" / "call_ocr.py"
SDK_HOME = ROOT / ".venv" / "sdk"
CLIENTS = {"ai-stats": ("ai-stats-py-sdk==2.0.5", (3, 12)), "phaseo": ("phaseo==3.0.0", (3, 11))}


def find_python(version: tuple[int, int]) -> str | None:
    """An interpreter of exactly this version: this one, one on PATH, or one under pyenv."""
    if sys.version_info[:2] == version:
        return sys.executable
    name = f"python{version[0]}.{version[1]}"
    candidates = [shutil.which(name), *sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version[0]}."
                                                                           f"{version[1]}*/bin/{name}")))]
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                               text=True)
        if probe.returncode == 0 and probe.stdout.strip() == str(version):
            return candidate
    return None


def client_python(sdk: str) -> str:
    requirement, version = CLIENTS[sdk]
    home = SDK_HOME / sdk
    python = home / "bin" / "python"
    stamp = home / ".installed"
    if not (stamp.exists() and stamp.read_text() == requirement):
        base = find_python(version)
        if base is None:
            pytest.skip(f"{requirement} needs Python {version[0]}.{version[1]}, which this machine does not have")
        shutil.rmtree(home, ignore_errors=True)
        subprocess.run([base, "-m", "venv", str(home)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", requirement], check=True,
                       capture_output=True, timeout=600)
        stamp.write_text(requirement)
    return str(python)


@pytest.fixture(scope="module", params=["2026-07", "2026-08"])
def server(request: pytest.FixtureRequest) -> Any:
    """``ocr-mock serve`` for July (this suite's release) and for the default release production runs."""
    with serve("--gateway-release", request.param) as running:
        yield running


def call(sdk: str, server: RunningServer, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [client_python(sdk), str(SCRIPT), "--sdk", sdk, "--base-url", f"{server.url}/v1", "--api-key", KEY, *args],
        capture_output=True, text=True, timeout=120,
    )
    assert result.stdout, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


@pytest.mark.parametrize("sdk", ["ai-stats", "phaseo"])
@pytest.mark.parametrize("entry", ["ops", "request"])
def test_official_client_reads_a_document(sdk: str, entry: str, server: RunningServer) -> None:
    answer = call(sdk, server, "--model", "mistral/ocr-3", "--image", "https://example.com/a.png", "--call", entry)
    assert answer["ok"] is True
    assert answer["body"]["object"] == "ocr"
    assert answer["body"]["model"] == "mistral-ocr-2512"
    assert answer["body"]["text"].startswith("# Mock OCR document")


@pytest.mark.parametrize("sdk", ["ai-stats", "phaseo"])
def test_official_client_sees_the_gateway_error(sdk: str, server: RunningServer) -> None:
    answer = call(sdk, server, "--model", "openai/gpt-5-nano", "--image", "https://example.com/a.png")
    assert answer["ok"] is False
    assert answer["status"] == 400
    assert answer["body"]["error"] == "unsupported_model_or_endpoint"
    assert answer["body"]["reason"] == "unsupported_endpoint_for_model"


@pytest.mark.parametrize("sdk", ["ai-stats", "phaseo"])
def test_official_client_sends_a_document_to_the_default_release(sdk: str) -> None:
    """Both clients send the body verbatim, so a 2026-08 ``document`` works; phaseo 3.0.0 identifies itself
    (``X-Phaseo-Client``, phaseo/__init__.py 21-27 in the wheel)."""
    with serve("--gateway-release", "2026-08") as august:
        document = json.dumps({"type": "document_url", "document_url": "https://files.example.com/a.pdf"})
        answer = call(sdk, august, "--model", "mistral/ocr-3", "--document", document, "--call", "request")
        assert answer["ok"] is True and answer["body"]["pages"][0]["index"] == 0
        with urllib.request.urlopen(f"{august.url}/_mock/requests") as reply:
            headers = json.loads(reply.read())["requests"][-1]["headers"]
    if sdk == "phaseo":
        assert headers["x-phaseo-client"] == "phaseo-python"
        assert headers["user-agent"].startswith("phaseo-python/")
