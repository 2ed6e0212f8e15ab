"""Whether the ``[contract]`` extra is installed, asked without importing it (its packages are heavy)."""

from __future__ import annotations

from importlib.util import find_spec

REQUIRED = ("schemathesis", "hypothesis")
INSTALL_HINT = "the conformance suite needs the contract extra: pip install 'aistats-ocr-mock[contract]'"


def missing() -> list[str]:
    """The packages of the extra that are not installed."""
    return [name for name in REQUIRED if find_spec(name) is None]
