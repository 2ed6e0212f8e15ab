"""Installing the package as a user does: the built wheel in a fresh environment (core dependencies only, from
a wheelhouse: see bench/venvs.py) runs a user's test file with the fixture; the conformance suite stays out until
its extra is installed; ``make dist`` builds a wheel and an sdist; a checkout installs by path and by git URL."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.venvs import build_wheel, fresh_venv, wheelhouse

ROOT = Path(__file__).resolve().parent.parent

USER_TEST = '''
import httpx

import mockserver


def read_total(image_url, base_url, api_key):
    answer = httpx.post(f"{base_url}/ocr", json={"model": "mistral/ocr-3", "image": image_url},
                        headers={"Authorization": f"Bearer {api_key}"})
    answer.raise_for_status()
    return answer.json()["text"].split("Total: $")[1]


def test_invoice_total(ocr_gateway):
    ocr_gateway.add(model="mistral/ocr-3", pages=["# Invoice 123", "Total: $42.00"])
    assert read_total("https://example.com/invoice.png", ocr_gateway.base_url, ocr_gateway.api_key) == "42.00"
    assert ocr_gateway.calls.last.json["model"] == "mistral/ocr-3"


def test_intercepted(ocr_gateway):
    ocr_gateway.intercept()
    ocr_gateway.add(model="mistral/ocr-3", callback=lambda call: {"text": "Total: $" + call.json["image"][-6:-4]})
    assert read_total("https://example.com/invoice-12.png", "https://api.phaseo.app/v1", ocr_gateway.api_key) == "12"


def test_the_installed_package_is_the_one_under_test():
    assert "site-packages" in mockserver.__file__, mockserver.__file__


def test_the_conformance_suites_plugin_is_not_loaded(pytestconfig):
    import sys

    assert not pytestconfig.pluginmanager.has_plugin("ocr-contract-suite")
    assert "contract_tests.pytest_plugin" not in sys.modules


def test_serving_the_tests_above_did_not_import_openapi_core():
    import sys

    assert "openapi_core" not in sys.modules  # only the reference validator and fixture files' checks need it


def test_the_mock_was_not_assertion_rewritten():
    import sys

    loader = sys.modules["mockserver.gateway.pipeline"].__loader__
    assert type(loader).__name__ != "AssertionRewritingHook"


def test_this_file_still_is(request):
    assert type(request.module.__loader__).__name__ == "AssertionRewritingHook"
'''


def clean_env() -> dict[str, str]:
    """The environment without this checkout's virtualenv or import path."""
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTEST_ADDOPTS") and not key.startswith("PYTEST_XDIST")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh environment with the wheel and pytest: what ``pip install aistats-ocr-mock pytest`` gives a user."""
    root = tmp_path_factory.mktemp("install")
    wheel = build_wheel(root / "dist")
    yield fresh_venv(root / "venv", wheelhouse(wheel), str(wheel), "pytest")


def test_a_users_test_file_passes_with_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(USER_TEST)
    result = subprocess.run([str(installed), "-m", "pytest", "-p", "no:cacheprovider", "test_app.py"],
                            cwd=tmp_path, env=clean_env(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout
    (plugins,) = [line for line in result.stdout.splitlines() if line.startswith("plugins:")]
    assert "aistats-ocr-mock" in plugins
    assert "hypothesis" not in plugins and "schemathesis" not in plugins


def test_the_core_install_leaves_the_conformance_suite_to_its_extra(installed: Path, tmp_path: Path) -> None:
    hint = "pip install 'aistats-ocr-mock[contract]'"
    contract = subprocess.run([str(installed.with_name("ocr-mock")), "contract"], env=clean_env(),
                              capture_output=True, text=True, timeout=120)
    assert contract.returncode == 2
    assert contract.stderr.splitlines() == [f"ocr-mock contract: the conformance suite needs the contract extra: "
                                            f"{hint}"]
    suite = subprocess.run([str(installed), "-m", "pytest", "--pyargs", "contract_tests"], cwd=tmp_path,
                           env=clean_env(), capture_output=True, text=True, timeout=120)
    assert suite.returncode != 0
    assert hint in suite.stderr
    imports = subprocess.run([str(installed), "-c", "import schemathesis"], capture_output=True, timeout=60)
    assert imports.returncode != 0


def test_make_dist_builds_a_wheel_and_an_sdist_that_builds_it(tmp_path: Path) -> None:
    # -o: the dev environment counts as set up (make test already depends on it)
    subprocess.run(["make", "-C", str(ROOT), "-o", ".venv/.installed", "dist", f"DIST={tmp_path}"], check=True,
                   capture_output=True, timeout=600)
    (sdist,) = tmp_path.glob("aistats_ocr_mock-*.tar.gz")
    (wheel,) = tmp_path.glob("aistats_ocr_mock-*.whl")  # built from the sdist: the sdist has all it needs
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"openapi.yaml", "fixtures/samples.yaml", "mockserver/pytest_plugin/plugin.py", "README.md"} <= names
    with zipfile.ZipFile(wheel) as archive:
        wheel_names = set(archive.namelist())
    assert {"mockserver/bundled/openapi.yaml", "mockserver/bundled/fixtures/samples.yaml",
            "mockserver/pytest_plugin/intercept.py"} <= wheel_names


def site_packages(python: Path) -> Path:
    return next((python.parent.parent / "lib").glob("python3*/site-packages"))


@pytest.mark.parametrize("how", ["path", "git"])
def test_a_checkout_installs_by_path_and_by_git_url(tmp_path: Path, how: str) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    target = str(ROOT) if how == "path" else f"aistats-ocr-mock @ git+file://{ROOT}"
    # --no-deps: what is checked here is the package a checkout builds; test_install's other tests run it
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", target], check=True, capture_output=True, timeout=600)
    site = site_packages(venv / "bin" / "python")
    assert (site / "mockserver" / "bundled" / "openapi.yaml").is_file()
    assert (site / "mockserver" / "pytest_plugin" / "plugin.py").is_file()
    (entry_points,) = site.glob("aistats_ocr_mock-*.dist-info/entry_points.txt")
    assert "ocr_gateway = mockserver.pytest_plugin.plugin" in entry_points.read_text()
    assert (venv / "bin" / "ocr-mock").is_file()
