"""Fresh virtual environments for what a user installs: the built wheel and its core dependencies, or a baseline
with pytest and httpx alone. Used by tests/test_install.py and by make bench (bench/pytest_overhead.py).

Every package comes from a wheelhouse under ``.venv/wheelhouse``: the wheels ``pip wheel`` resolves once for
these requirements (from the index or pip's cache), then installed with ``--no-index``, so a fresh environment
takes seconds and gets exactly the packages the wheel's metadata asks for, nothing from the dev environment.
The environments have no pip of their own (``venv --without-pip``); this interpreter's pip installs into them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
BASELINE = ("pytest", "httpx")  # what an app with an HTTP client tests with


def build_wheel(outdir: Path) -> Path:
    """The project's wheel, built from the working tree."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(outdir),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    (wheel,) = outdir.glob("aistats_ocr_mock-*.whl")
    return wheel


def requirements_of(wheel: Path) -> list[str]:
    """The wheel's ``Requires-Dist`` lines (its extras' included: pip ignores those it is not asked for)."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        text = archive.read(metadata).decode()
    return sorted(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:"))


def wheelhouse(wheel: Path, extra: tuple[str, ...] = BASELINE) -> Path:
    """A directory of wheels for ``wheel``'s core dependencies and ``extra``, made once per requirement set."""
    key = hashlib.sha256("\n".join([*requirements_of(wheel), *extra]).encode()).hexdigest()[:16]
    house = WHEELHOUSE / key
    stamp = house / ".complete"
    if not stamp.exists():
        shutil.rmtree(house, ignore_errors=True)
        house.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(house), str(wheel),
                        *extra], check=True, capture_output=True, timeout=900)
        for own in house.glob("aistats_ocr_mock-*.whl"):
            own.unlink()  # the project's wheel is always the one under test, never a cached one
        stamp.touch()
    return house


def fresh_venv(path: Path, house: Path, *requirements: str) -> Path:
    """A new environment at ``path`` with ``requirements`` (wheel files or names) from ``house`` only; its python."""
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True, timeout=120)
    python = path / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index",
                    "--find-links", str(house), *requirements], check=True, capture_output=True, timeout=600)
    return python
