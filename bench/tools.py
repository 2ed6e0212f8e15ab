"""The outside tools the benchmark uses, installed on demand or skipped with a reason.

wrk comes from Debian's packages (only where we are root), Prism 5.14.2 from npm into
``.bench-tools/`` (ignored by git), py-spy from PyPI through ``make bench``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

PRISM_VERSION = "5.14.2"
TOOLS_DIR = Path(__file__).resolve().parent.parent / ".bench-tools"


def _run(command: list[str], timeout: float) -> bool:
    print("  $", " ".join(command), flush=True)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"    failed: {exc}")
        return False
    if result.returncode != 0:
        print("    failed:", (result.stderr or result.stdout).strip().splitlines()[-1:])
    return result.returncode == 0


def ensure_wrk() -> tuple[str | None, str]:
    """wrk's path, or None and why not."""
    return _ensure_debian_tool("wrk", "wrk")


def ensure_redis_server() -> tuple[str | None, str]:
    """redis-server's path (Debian's package, as ``make test`` installs it), or None and why not."""
    return _ensure_debian_tool("redis-server", "redis-server")


def _ensure_debian_tool(command: str, package: str) -> tuple[str | None, str]:
    found = shutil.which(command)
    if found:
        return found, ""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, f"{command} is not installed and cannot be (needs root and apt-get): apt-get install {package}"
    if not _run(["apt-get", "install", "-y", "-q", package], 600):
        _run(["apt-get", "update", "-q"], 600)
        _run(["apt-get", "install", "-y", "-q", package], 600)
    found = shutil.which(command)
    return (found, "") if found else (None, f"apt-get could not install {package}")


def ensure_prism() -> tuple[Path | None, str]:
    """The prism executable (installed from npm once), or None and why not."""
    prefix = TOOLS_DIR / f"prism-{PRISM_VERSION}"
    binary = prefix / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary, ""
    if not shutil.which("npm") or not shutil.which("node"):
        return None, "node/npm not found, so Prism cannot be installed"
    prefix.mkdir(parents=True, exist_ok=True)
    command = [
        "npm",
        "install",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "--prefix",
        str(prefix),
        f"@stoplight/prism-cli@{PRISM_VERSION}",
    ]
    if not _run(command, 900) or not binary.exists():
        return None, f"npm could not install @stoplight/prism-cli@{PRISM_VERSION}"
    return binary, ""


def py_spy() -> str | None:
    """py-spy next to this Python (make bench installs it), or on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")
