"""The built wheel carries the spec and the default fixtures and works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json
from starlette.testclient import TestClient
from mockserver.web.app import create_app
from mockserver.resources import fixtures_dir, spec_path
client = TestClient(create_app())
answer = client.post("/v1/ocr", json={"model": "mistral/ocr-3", "image": "aGk="},
                     headers={"Authorization": "Bearer aistats_v1_sk_wheel01_secret"})
print(json.dumps({"spec": str(spec_path()), "fixtures": str(fixtures_dir()), "status": answer.status_code}))
"""


def test_the_wheel_works_from_any_directory(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(dist), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = dist.glob("aistats_ocr_mock-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "mockserver/bundled/openapi.yaml" in names
    assert "mockserver/data/catalog.yaml" in names and "mockserver/data/errors.yaml" in names
    assert {f"mockserver/data/releases/2026-08/{name}" for name in ("release.yaml", "openapi.patch.yaml",
            "catalog.patch.yaml", "errors.patch.yaml")} <= set(names)
    assert "contract_tests/data/contract.2026-08.patch.yaml" in names
    assert any(name.startswith("mockserver/bundled/fixtures/") for name in names)
    assert any(name.endswith("entry_points.txt") for name in names)
    # the pytest plugin ships in the wheel and registers itself: installing the package is enough
    assert "mockserver/pytest_plugin/plugin.py" in names
    (entry_points,) = [name for name in names if name.endswith("entry_points.txt")]
    registered = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "ocr_gateway = mockserver.pytest_plugin.plugin" in registered.split("[pytest11]", 1)[1]
    assert "ocr-contract = contract_tests.pytest_gate" in registered.split("[pytest11]", 1)[1]

    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=elsewhere, env=env, capture_output=True, text=True,
                            check=True, timeout=60)
    probe = json.loads(result.stdout)
    assert probe["status"] == 200
    assert Path(probe["spec"]).is_relative_to(installed)
    assert Path(probe["fixtures"]).is_relative_to(installed)
