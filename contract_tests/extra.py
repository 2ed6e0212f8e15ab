"""Whether the ``[contract]`` extra is installed, asked without importing it (its packages are heavy)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path

PACKAGE = __name__.split(".")[0]
PACKAGE_DIR = Path(__file__).resolve().parent
REQUIRED = ("schemathesis", "hypothesis")
INSTALL_HINT = "the conformance suite needs the contract extra: pip install 'aistats-ocr-mock[contract]'"


def missing() -> list[str]:
    """The packages of the extra that are not installed."""
    return [name for name in REQUIRED if find_spec(name) is None]


def names_suite(args: Sequence[str]) -> bool:
    """Whether a pytest command line asks for the suite (``--pyargs contract_tests``, or its directory)."""
    return any(_names_package(arg) for arg in args if not arg.startswith("-"))


def _names_package(arg: str) -> bool:
    if arg == PACKAGE or arg.startswith(f"{PACKAGE}.") or arg.startswith(f"{PACKAGE}::"):
        return True
    path = Path(arg.split("::", 1)[0]).resolve()
    return path == PACKAGE_DIR or PACKAGE_DIR in path.parents
